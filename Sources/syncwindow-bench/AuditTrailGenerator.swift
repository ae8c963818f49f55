import Foundation
import Synchronization
import SyncwindowAudit
import SyncwindowSchedule

/// Builds a year-long audit trail through the library's own append path (`AuditStore.append`, the hash chain,
/// the triggers, `synchronous = FULL`), never by SQL: a trail that cannot drift from the real chain, for
/// benchmarking `audit verify`, `audit` exports and `report` on a year of history.
///
/// Each night every pair's window opens and closes, and the events are the ones a pass writes for it (as
/// `tick` wrote them in `make bench-tick`): at the open `window_opened`, both `pause_intent`s, both
/// `pause_outcome`s (job ids, `intent_id` linking the intent) and both `job_completed`; at the close the same
/// with `window_closed` and resumes; each pass between `pass_started` and `pass_finished`, the first with the
/// configuration snapshot and each pair's `pair_instances`. 14 events per pair and night: 200 pairs over 365
/// nights is 1,022,000 events and a few thousand brackets. Appends are batched as a pass with group commit
/// makes them: one transaction per step of a pass for `--batch` pairs at once.
enum AuditTrailGenerator {
    struct Options {
        var stateDirectory = ""
        var pairs = 200
        var nights = 365
        var batch = 200
    }

    /// The wall clock the store stamps `recorded_at` from: the pass's instant plus a few milliseconds per append.
    final class BenchClock: Sendable {
        private let date: Mutex<Date>
        init(_ start: Date) { date = Mutex(start) }
        func set(_ value: Date) { date.withLock { $0 = value } }
        var now: @Sendable () -> Date {
            { [self] in
                date.withLock { current in
                    current = current.addingTimeInterval(0.003)
                    return current
                }
            }
        }
    }

    static func run(_ options: Options) async throws {
        precondition(!options.stateDirectory.isEmpty, "audit-trail needs --state DIR")
        // 2026-01-01T01:30:10+08:00: a nightly window's open, as the bench's window (Asia/Shanghai, 01:30, 2h).
        let firstOpen = Date(timeIntervalSince1970: 1_767_202_210)
        let clock = BenchClock(firstOpen)
        let store = try AuditStore.open(
            stateDirectory: options.stateDirectory, wallClock: clock.now, host: "bench-host-01")
        let pairs = (1...options.pairs).map { String(format: "pair-%04d", $0) }
        let began = ContinuousClock.now
        var appended = 0
        var appends = 0
        func append(_ events: [NewAuditEvent]) async throws -> [AuditEvent] {
            appends += 1
            appended += events.count
            return try await store.append(events)
        }
        for night in 0..<options.nights {
            let open = firstOpen.addingTimeInterval(Double(night) * 86_400)
            let windowStart = open.addingTimeInterval(-10)
            for (edge, at) in [(SyncEdge.open, open), (.close, open.addingTimeInterval(7_200))] {
                clock.set(at)
                let passID = UUID().uuidString.lowercased()
                func event(
                    _ kind: AuditKind, pair: String? = nil, side: PairSide? = nil, outcome: String? = nil,
                    jobID: String? = nil, reason: String? = nil, detail: String? = nil, window: String? = nil,
                    intentID: Int64? = nil
                ) -> NewAuditEvent {
                    NewAuditEvent(
                        at: at, passID: passID, pair: pair, side: side, window: window, kind: kind, outcome: outcome,
                        jobID: jobID, actor: "syncwindow", reason: reason, detail: detail, intentID: intentID)
                }
                var opening = [event(.passStarted, reason: "tick", detail: "config sha256=\(configHash)")]
                if night == 0 && edge == .open {
                    opening.append(
                        event(
                            .configuration, reason: "none recorded before",
                            detail: snapshot(pairs: pairs)))
                }
                _ = try await append(opening)
                let windowText = RFC3339.format(windowStart, in: .gmt)
                let closeText = RFC3339.format(windowStart + 7_200, in: .gmt)
                for chunk in stride(from: 0, to: pairs.count, by: max(1, options.batch)) {
                    let group = Array(pairs[chunk..<min(pairs.count, chunk + max(1, options.batch))])
                    var edges = group.map { pair in
                        edge == .open
                            ? event(
                                .windowOpened, pair: pair,
                                reason: "until \(closeText)",
                                detail: windowText, window: "nightly")
                            : event(.windowClosed, pair: pair, detail: windowText, window: "nightly")
                    }
                    if night == 0 && edge == .open {
                        edges += group.map { pair in
                            let number = pair.dropFirst(5)
                            return event(
                                .pairInstances, pair: pair,
                                detail: "primary ap-southeast-1/p1bench/primary-\(number)-in12, "
                                    + "standby ap-southeast-3/p3bench/standby-\(number)-in12")
                        }
                    }
                    _ = try await append(edges)
                    let intentKind: AuditKind = edge == .open ? .pauseIntent : .resumeIntent
                    let outcomeKind: AuditKind = edge == .open ? .pauseOutcome : .resumeOutcome
                    let reason =
                        edge == .open
                        ? "window nightly open until \(closeText)"
                        : "window nightly closed"
                    var intents: [(pair: String, side: PairSide)] = []
                    for pair in group { for side in [PairSide.primary, .standby] { intents.append((pair, side)) } }
                    let stored = try await append(
                        intents.map { intent in
                            event(
                                intentKind, pair: intent.pair, side: intent.side, reason: reason,
                                detail: "instance \(instance(intent.pair, intent.side))")
                        })
                    let jobIDs = intents.map { _ in UUID().uuidString.lowercased() }
                    _ = try await append(
                        zip(intents, zip(stored, jobIDs)).map { intent, storedAndJob in
                            event(
                                outcomeKind, pair: intent.pair, side: intent.side, outcome: "accepted",
                                jobID: storedAndJob.1, detail: "instance \(instance(intent.pair, intent.side))",
                                intentID: storedAndJob.0.id)
                        })
                    _ = try await append(
                        zip(intents, jobIDs).map { intent, jobID in
                            event(
                                .jobCompleted, pair: intent.pair, side: intent.side, outcome: "completed",
                                jobID: jobID, detail: edge == .open ? "pause" : "resume")
                        })
                }
                _ = try await append([
                    event(.passFinished, detail: "\(pairs.count)/\(pairs.count) pairs at desired state")
                ])
            }
            if (night + 1) % 30 == 0 || night + 1 == options.nights {
                let seconds = (ContinuousClock.now - began).seconds
                print(
                    "night \(night + 1): \(appended) events in \(appends) appends, "
                        + String(format: "%.1f s, %.0f events/s", seconds, Double(appended) / seconds))
            }
        }
        try writeConfig(in: options.stateDirectory, pairs: pairs)
        print("trail: \(store.path); read it with --config \(options.stateDirectory)/config.yaml")
    }

    /// A config beside the trail (`state_dir: .`, the same pairs and window), so `syncwindow audit verify`,
    /// `audit` and `report` run on it as they would on a host.
    static func writeConfig(in directory: String, pairs: [String]) throws {
        let root = URL(fileURLWithPath: directory)
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: root.appendingPathComponent("windows"), withIntermediateDirectories: true)
        try fileManager.createDirectory(at: root.appendingPathComponent("secrets"), withIntermediateDirectories: true)
        for (name, value) in [("ak", "BENCHAK0000000000"), ("sk", "bench-secret-key-0000000000000000")] {
            let path = root.appendingPathComponent("secrets/\(name)").path
            try Data((value + "\n").utf8).write(to: URL(fileURLWithPath: path))
            try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        try Data(
            """
            windows:
              - name: nightly
                cron: "30 1 * * *"
                timezone: Asia/Shanghai
                duration: 2h
                pairs: ["*"]

            """.utf8
        ).write(to: root.appendingPathComponent("windows/nightly.yaml"))
        var config = """
            state_dir: .
            schedules: windows
            cloud:
              auth:
                method: aksk
                access_key_file: secrets/ak
                secret_key_file: secrets/sk
            pairs:

            """
        for pair in pairs {
            let number = pair.dropFirst(5)
            config += "  \(pair):\n"
            config +=
                "    primary: { region: ap-southeast-1, project_id: p1bench, instance_id: primary-\(number)-in12 }\n"
            config +=
                "    standby: { region: ap-southeast-3, project_id: p3bench, instance_id: standby-\(number)-in12 }\n"
        }
        try Data(config.utf8).write(to: root.appendingPathComponent("config.yaml"))
    }

    enum SyncEdge { case open, close }

    static let configHash = "a5fc88051eec29302c54eb6c00fabc7f86fe0ecb0820a6adfdf066566205b58f"

    static func instance(_ pair: String, _ side: PairSide) -> String {
        "\(side == .primary ? "primary" : "standby")-\(pair.dropFirst(5))-in12"
    }

    /// A configuration snapshot shaped like the one a pass records (canonical JSON of pairs and windows).
    static func snapshot(pairs: [String]) -> String {
        let names = pairs.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"config_sha256":"\#(configHash)","pairs":[\#(names)],"version":1,"windows":[{"cron":"30 1 * * *","#
            + #""duration_seconds":7200,"name":"nightly","pairs":["*"],"timezone":"Asia/Shanghai"}]}"#
    }
}
