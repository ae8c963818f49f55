import ArgumentParser
import Foundation
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowReport
import SyncwindowSchedule

/// `syncwindow audit`: the audit events; `syncwindow audit verify`: prove the chain intact.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the audit trail, or verify it.",
        subcommands: [AuditListCommand.self, AuditVerifyCommand.self, AuditMigrateCommand.self],
        defaultSubcommand: AuditListCommand.self)
}

struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show audit events (the default).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Events at or after this RFC 3339 time.")
    var since: String?

    @Option(help: "Events before this RFC 3339 time.")
    var until: String?

    @Option(help: "Only this pair.")
    var pair: String?

    @Option(help: "table, json or csv.")
    var format: TableJSONOrCSV = .table

    func validate() throws {
        if let since, let until, let start = RFC3339.parse(since), let end = RFC3339.parse(until), start >= end {
            throw ValidationError("--since must be before --until")
        }
    }

    func run() async throws {
        let config = try options.load()
        let query = AuditQuery(
            since: try since.map { try Arguments.instant($0, option: "--since", default: SystemClock.now()) },
            until: try until.map { try Arguments.instant($0, option: "--until", default: SystemClock.now()) },
            pair: pair)
        let format = self.format.output, pair = self.pair
        try await Wiring.withAuditForReading(config) { audit in
            // CSV and JSON stream, a row in memory at a time, as the store reads them; a pair missing from the
            // config needs the events first (none at all is a typo, not an empty export).
            if format != .table, pair.map({ config.pair(named: $0) != nil }) ?? true {
                try await AuditExport.stream(from: audit, query, format: format)
                return
            }
            let events = try await audit.events(query)
            if let pair, config.pair(named: pair) == nil, events.isEmpty {
                // A pair no longer configured may still have history; one that has neither is a typo.
                throw CLIFailure("unknown pair '\(pair)': not in the config and not in the audit trail")
            }
            Self.render(events, format: format)
        }
    }

    static func render(_ events: [AuditEvent], format: OutputFormat) {
        switch format {
        case .json:
            print(JSONValue.object([("events", .array(events.map(AuditJSON.event)))]).rendered())
        case .csv:
            print(CSV.line(AuditJSON.columns))
            for event in events { print(CSV.line(AuditJSON.cells(event))) }
        default:
            var table = TextTable(columns: [
                "ID", "AT", "PAIR", "SIDE", "KIND", "OUTCOME", "JOB", "ACTOR", "HOST", "REASON / DETAIL",
            ])
            for event in events {
                let cells = AuditJSON.cells(event)
                let detail = event.event.kind == .configuration ? configurationSummary(event) : event.event.detail
                let note = [event.event.window, event.event.reason, detail].compactMap { $0 }.joined(separator: " | ")
                table.add(Array(cells[0..<8]) + [event.event.host ?? "-", note])
            }
            print(table.rendered(empty: "no audit events"), terminator: "")
        }
    }
}

extension AuditListCommand {
    /// A `configuration` event's snapshot is a page of JSON: one line in the table
    /// (`--format json` and `csv` keep it whole).
    static func configurationSummary(_ stored: AuditEvent) -> String {
        guard let snapshot = try? ConfigurationSnapshot.parse(stored.event.detail ?? "") else {
            return "config snapshot (unreadable; see --format json)"
        }
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        return "config sha256=\(snapshot.configSHA256) (\(count(snapshot.windows.count, "window")), "
            + "\(count(snapshot.pairs.count, "pair")))"
    }
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove the audit trail is complete and untampered (exit 1 naming the first bad row).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The head hash recorded earlier (e.g. by a previous verify); detects removal of the newest rows.")
    var expectHead: String?

    @Option(
        help:
            "Write the verdict for Prometheus to this file (atomically), e.g. for node_exporter's textfile collector."
    )
    var metricsFile: String?

    /// A head is what `verify` prints: SHA-256 in hex. Anything else is a typo, not evidence
    /// that rows were removed.
    func validate() throws {
        guard let expectHead else { return }
        let isHexDigit = { (byte: UInt8) in (48...57).contains(byte) || (97...102).contains(byte | 0x20) }
        let isHash = expectHead.utf8.count == 64 && expectHead.utf8.allSatisfy(isHexDigit)
        guard isHash else {
            throw ValidationError(
                "--expect-head '\(expectHead)' is not a head hash: 64 hex digits, as 'audit verify' prints after 'head'"
            )
        }
    }

    func run() async throws {
        do {
            try await verify()
        } catch {
            // An older expected head is a finding said on stderr, not a failure (exit 0).
            let succeeded = (error as? CLIFailure)?.exitCode == ExitStatus.success
            if let metricsFile {
                try MetricsFile.write(
                    PassMetrics.renderVerify(succeeded, wallClock: SystemClock.now()), to: metricsFile)
            }
            throw error
        }
        if let metricsFile {
            try MetricsFile.write(PassMetrics.renderVerify(true, wallClock: SystemClock.now()), to: metricsFile)
        }
    }

    private func verify() async throws {
        let config = try options.load()
        // Read-only, and without insisting on the migrations: a missing one is a finding to report.
        let expectHead = self.expectHead
        do {
            try await Wiring.withExistingAuditForReading(config, requireMigrations: false) { audit in
                let (count, head) = try await AuditVerdict.require(audit)
                if let expectHead = expectHead?.lowercased(), expectHead != head {
                    var known = false
                    try await audit.forEachEvent(AuditQuery()) { known = known || $0.hash == expectHead }
                    throw CLIFailure(
                        known
                            ? "audit trail intact, \(count) events; the expected head is an older row — fine, rows were only added"
                            : "audit trail does not contain the expected head \(expectHead): newest rows removed or trail replaced",
                        exitCode: known ? ExitStatus.success : ExitStatus.notConverged)
                }
                print("audit trail intact: \(count) events, head \(head)")
            }
        } catch let error as AuditStoreError {
            throw CLIFailure(error)
        }
    }
}

/// The audit event JSON/CSV shape (docs/design.md, "The audit trail"): fields may be added, never renamed.
enum AuditJSON {
    static let columns = [
        "id", "at", "pair", "side", "kind", "outcome", "job_id", "actor", "reason", "detail", "window", "until",
        "intent_id", "pass_id", "recorded_at", "hash", "host",
    ]

    static func cells(_ stored: AuditEvent) -> [String] {
        let event = stored.event
        return [
            String(stored.id), RFC3339.format(event.at, in: .gmt), event.pair ?? "", event.side?.rawValue ?? "",
            event.kind.rawValue, event.outcome ?? "", event.jobID ?? "", event.actor, event.reason ?? "",
            event.detail ?? "",
            event.window ?? "", event.until.map { RFC3339.format($0, in: .gmt) } ?? "",
            event.intentID.map(String.init) ?? "",
            event.passID ?? "", RFC3339.format(stored.recordedAt, in: .gmt), stored.hash, event.host ?? "",
        ]
    }

    static func event(_ stored: AuditEvent) -> JSONValue {
        let event = stored.event
        return .object([
            ("id", .integer(stored.id)), ("at", .string(RFC3339.format(event.at, in: .gmt))),
            ("pair", .optional(event.pair)),
            ("side", .optional(event.side?.rawValue)), ("kind", .string(event.kind.rawValue)),
            ("outcome", .optional(event.outcome)), ("job_id", .optional(event.jobID)), ("actor", .string(event.actor)),
            ("reason", .optional(event.reason)), ("detail", .optional(event.detail)),
            ("window", .optional(event.window)),
            ("until", .optional(event.until.map { RFC3339.format($0, in: .gmt) })),
            ("intent_id", event.intentID.map { .integer($0) } ?? .null), ("pass_id", .optional(event.passID)),
            ("recorded_at", .string(RFC3339.format(stored.recordedAt, in: .gmt))), ("hash", .string(stored.hash)),
            ("host", .optional(event.host)),
        ])
    }
}
