import ArgumentParser
import Foundation
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowReport
import SyncwindowSchedule

/// `syncwindow status`: per pair, desired state, last known live state, window, override, last action.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each pair's desired and last known live state (no API call).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Evaluate as if the wall clock read this RFC 3339 time.")
    var at: String?

    @Option(help: "Only this pair.")
    var pair: String?

    @Option(help: "table or json.")
    var format: TableOrJSON = .table

    func run() async throws {
        let (config, hostID) = try options.loadWithHost()
        let instant = try Arguments.instant(at, option: "--at", default: SystemClock.now())
        if let pair, config.pair(named: pair) == nil { throw CLIFailure("unknown pair '\(pair)'") }
        let (pair, format) = (self.pair, self.format.output)
        try await Wiring.withAuditForReading(config, mapped: true) { audit in
            let statuses = try await PairStatusReader.read(
                configuration: config, audit: audit, at: instant, pairs: pair.map { [$0] })
            let host = try await HostAgreement.check(config, host: hostID, audit: audit)
            Self.render(statuses, at: instant, format: format, host: host)
        }
    }

    /// - Parameter host: on a shared store, this host's clock skew and whether it stands down.
    static func render(_ statuses: [PairStatus], at instant: Date, format: OutputFormat, host: HostAgreement? = nil) {
        switch format {
        case .json:
            print(
                JSONValue.object([
                    ("at", .string(RFC3339.format(instant, in: .gmt))), ("host", host?.json ?? .null),
                    ("pairs", .array(statuses.map(Self.json))),
                ]).rendered())
        default:
            var table = TextTable(columns: [
                "PAIR", "DESIRED", "LIVE (primary/standby)", "WINDOW", "OVERRIDE", "LAST ACTION", "NOTE",
            ])
            for status in statuses {
                let live = status.live.map { "\($0.primary ?? "?")/\($0.standby ?? "?")" } ?? "never seen"
                let window =
                    status.desired.pauseInterval.map {
                        status.desired.openOccurrences.map(\.window).joined(separator: ",") + " until "
                            + RFC3339.format($0.end, in: .gmt)
                    } ?? "-"
                let override =
                    status.desired.override.map {
                        "\($0.state.rawValue) until \(RFC3339.format($0.until, in: .gmt)) (\($0.actor))"
                    } ?? "-"
                let note = Self.note(status)
                table.add([
                    status.pair, status.desired.state.rawValue, live, window, override,
                    Self.describe(status.lastAction), note,
                ])
            }
            print("status at \(RFC3339.format(instant, in: .gmt))")
            if let host { print(host.line) }
            print(table.rendered(empty: "no pairs"), terminator: "")
        }
    }

    /// The one thing an operator must know about the pair, most urgent first.
    static func note(_ status: PairStatus) -> String {
        var notes: [String] = []
        if status.removedFromConfig { notes.append("REMOVED from the config: \(status.desired.reason)") }
        switch status.driftProblem {
        case .released: notes.append("RELEASED: resumed by hand; left syncing until the window closes")
        case .drift(let detail): notes.append("DRIFT: \(detail)")
        default: break
        }
        if let error = status.lastError {
            // The drift note says it already: the pass that recorded the drift ended with it.
            if error.message != status.driftProblem?.description {
                notes.append("ERROR since \(RFC3339.format(error.at, in: .gmt)): \(error.message)")
            }
        } else if status.unsettledIntents > 0 {
            notes.append("\(status.unsettledIntents) call(s) to settle")
        } else if !status.converged {
            let live = status.live.map { "\($0.primary ?? "?")/\($0.standby ?? "?")" }
            notes.append(
                live.map { "NOT CONVERGED: live \($0), desired \(status.desired.state.rawValue); the next pass acts" }
                    ?? "never seen: no pass has read this pair's live state yet")
        }
        return notes.joined(separator: "; ")
    }

    static func describe(_ event: AuditEvent?) -> String {
        guard let event else { return "-" }
        let side = event.event.side.map { " \($0.rawValue)" } ?? ""
        let host = event.event.host.map { " on \($0)" } ?? ""
        return
            "\(event.event.kind.rawValue)\(side) \(event.event.outcome ?? "") \(RFC3339.format(event.event.at, in: .gmt))\(host)"
    }

    static func lastErrorJSON(_ error: PairError?) -> JSONValue {
        guard let error else { return .null }
        return .object([("at", .string(RFC3339.format(error.at, in: .gmt))), ("message", .string(error.message))])
    }

    static func json(_ status: PairStatus) -> JSONValue {
        let desired = status.desired
        return .object([
            ("pair", .string(status.pair)), ("desired", .string(desired.state.rawValue)),
            ("reason", .string(desired.reason)),
            (
                "live",
                .object([
                    ("primary", .optional(status.live?.primary)), ("standby", .optional(status.live?.standby)),
                    ("observed_at", .optional(status.live.map { RFC3339.format($0.observedAt, in: .gmt) })),
                ])
            ),
            (
                "window",
                desired.pauseInterval.map { interval in
                    .object([
                        ("names", .array(desired.openOccurrences.map { .string($0.window) })),
                        ("start", .string(RFC3339.format(interval.start, in: .gmt))),
                        ("end", .string(RFC3339.format(interval.end, in: .gmt))),
                    ])
                } ?? .null
            ),
            (
                "override",
                desired.override.map {
                    .object([
                        ("state", .string($0.state.rawValue)), ("until", .string(RFC3339.format($0.until, in: .gmt))),
                        ("actor", .string($0.actor)), ("reason", .string($0.reason)),
                    ])
                } ?? .null
            ),
            ("last_action", status.lastAction.map(AuditJSON.event) ?? .null),
            ("drift", status.drift.map { .string($0.event.detail ?? "") } ?? .null),
            ("owned_sides", .array(status.ownedSides.map { .string($0.rawValue) })),
            ("unsettled_calls", .integer(Int64(status.unsettledIntents))),
            ("converged", .bool(status.converged)),
            ("last_error", lastErrorJSON(status.lastError)),
            ("removed", .bool(status.removedFromConfig)),
        ])
    }
}
