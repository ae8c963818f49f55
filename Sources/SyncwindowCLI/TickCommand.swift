import ArgumentParser
import Foundation
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowReport
import SyncwindowSchedule

/// `syncwindow tick`: one reconcile pass — what the systemd timer runs.
struct TickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick",
        abstract: "Run one reconcile pass: pause or resume pairs whose live state differs from desired.")

    @OptionGroup var options: ConfigOptions
    @OptionGroup var timing: PassTimingOptions

    @Option(help: "Act as if the wall clock read this RFC 3339 time (rehearsals, tests).")
    var at: String?

    @Flag(help: "Read live state and print what would be done; call no POST.")
    var dryRun = false

    @Option(help: "Only this pair (repeatable).")
    var pair: [String] = []

    @Option(help: "table or json.")
    var format: TableOrJSON = .table

    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        let result: PassResult
        let host: String
        do {
            let loaded = try options.loadWithHost()
            let config = loaded.config
            host = loaded.host
            let realNow = SystemClock.now()
            let instant = try Arguments.instant(at, option: "--at", default: realNow)
            for name in pair where config.pair(named: name) == nil { throw CLIFailure("unknown pair '\(name)'") }
            var passOptions = timing.options(
                at: instant, dryRun: dryRun, actor: "syncwindow", pairs: pair.isEmpty ? nil : pair, mode: .tick)
            passOptions.clockOffset = instant.timeIntervalSince(realNow)
            result = try await Wiring.withReconciler(config, host: host, logger: Log.logger()) {
                try await $0.runPass(passOptions)
            }
        } catch {
            // The timer's pass could not run: say so in the metrics too, or they would show the last good pass.
            if !dryRun { metrics.writeFailure(error) }
            throw error
        }
        PassPrinter.print(result, format: format.output, dryRun: dryRun)
        if !dryRun { try metrics.write(result, host: host) }
        if let standDown = result.standDown {
            throw CLIFailure(standDown.description, exitCode: ExitStatus.notConverged)
        }
        let status = ExitStatus.of(result.verdict)
        if status != ExitStatus.success { throw ExitCode(status) }
    }
}

/// `--metrics-file`: the pass's outcome for node_exporter's textfile collector.
struct MetricsOptions: ParsableArguments {
    @Option(
        help:
            "Write Prometheus metrics of each pass to this file (atomically), e.g. for node_exporter's textfile collector."
    )
    var metricsFile: String?

    func write(_ result: PassResult, host: String, reload: ReconcileLoop.ReloadState? = nil) throws {
        try write(
            PassMetrics.render(
                result, exitCode: ExitStatus.of(result.verdict), wallClock: SystemClock.now(), reload: reload,
                host: host))
    }

    /// A pass that ended before it had a result: its exit status and, if that was the reason, an
    /// unprotected trail. Best effort: the error that stopped the pass is what the caller reports.
    func writeFailure(_ error: any Error) {
        let status: Int32
        var unprotected = false
        switch error {
        case let failure as CLIFailure: status = failure.exitCode
        case let failure as AuditStoreError:
            status = CLIFailure(failure).exitCode
            if case .unprotected = failure { unprotected = true }
        case let code as ExitCode: status = code.rawValue
        case is ValidationError: status = ExitStatus.usage
        default: status = ExitStatus.notConverged
        }
        try? write(
            PassMetrics.renderFailure(exitCode: status, wallClock: SystemClock.now(), trailUnprotected: unprotected))
    }

    private func write(_ text: String) throws {
        guard let metricsFile else { return }
        try MetricsFile.write(text, to: metricsFile)
    }
}

/// A metrics file for node_exporter's textfile collector, written whole or not at all.
enum MetricsFile {
    static func write(_ text: String, to path: String) throws {
        // Write a temporary file beside it and rename: the collector never reads half a file.
        let temporary = path + ".tmp.\(getpid())"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, path) != 0 { throw CLIFailure("cannot rename \(temporary) to \(path)") }
        } catch {
            unlink(temporary)
            throw CLIFailure("cannot write metrics to \(path): \(error)", exitCode: ExitStatus.notConverged)
        }
    }
}

/// Lock, job and poll timing, shared by the commands that run passes.
struct PassTimingOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: "Seconds (0 to 3600) to wait for another invocation's lock before giving up with exit 75.")
    var lockTimeout: Double = 10

    @Option(
        parsing: .unconditional,
        help: "Seconds (0.1 to 86400) to follow a pause/resume job before reporting the pair as not converged.")
    var jobTimeout: Double = 300

    @Option(parsing: .unconditional, help: "Seconds (0.01 to 600) between polls of a job.")
    var pollInterval: Double = 2

    /// Bounded above as well as below: a value past a day means nothing to a pass, and `inf`
    /// or `1e300` would overflow the conversion to `Duration`.
    func validate() throws {
        try Arguments.checkSeconds(lockTimeout, option: "--lock-timeout", in: 0...3600)
        try Arguments.checkSeconds(jobTimeout, option: "--job-timeout", in: 0.1...86400)
        try Arguments.checkSeconds(pollInterval, option: "--poll-interval", in: 0.01...600)
    }

    func options(at: Date, dryRun: Bool, actor: String, pairs: [String]?, mode: PassMode) -> ReconcileOptions {
        ReconcileOptions(
            at: at, dryRun: dryRun, actor: actor, pairs: pairs, lockTimeout: .milliseconds(Int64(lockTimeout * 1000)),
            jobTimeout: .milliseconds(Int64(jobTimeout * 1000)),
            pollInterval: .milliseconds(Int64(pollInterval * 1000)),
            mode: mode)
    }
}

/// Prints a pass's result for people or as JSON.
enum PassPrinter {
    static func print(_ result: PassResult, format: OutputFormat, dryRun: Bool) {
        switch format {
        case .json:
            Swift.print(json(result).rendered())
        default:
            var table = TextTable(columns: ["PAIR", "DESIRED", "LIVE", "RESULT", "ACTIONS"])
            for pair in result.pairs {
                let live = pair.live.map { "\($0.primary)/\($0.standby)" } ?? "unknown"
                let verdict =
                    pair.lockUnavailable
                    ? "locked"
                    : pair.problem.map { "FAILED: \($0)" } ?? (pair.reached ? "ok" : (dryRun ? "dry-run" : "pending"))
                table.add([pair.pair, pair.desired.state.rawValue, live, verdict, pair.actions.joined(separator: "; ")])
            }
            Swift.print("pass at \(RFC3339.format(result.at, in: .gmt))\(dryRun ? " (dry run)" : "")")
            Swift.print(table.rendered(empty: "no pairs"), terminator: "")
        }
    }

    static func json(_ result: PassResult) -> JSONValue {
        .object([
            ("pass_id", .string(result.passID)), ("at", .string(RFC3339.format(result.at, in: .gmt))),
            ("pairs", .array(result.pairs.map(json))),
            ("exit_code", .integer(Int64(ExitStatus.of(result.verdict)))),
            ("stand_down", .optional(result.standDown?.description)),
            ("clock_skew_seconds", result.clockSkew.map { .number($0.seconds) } ?? .null),
        ])
    }

    static func json(_ pair: PairPassResult) -> JSONValue {
        let live: JSONValue =
            pair.live.map {
                .object([("primary", .string($0.primary.rawValue)), ("standby", .string($0.standby.rawValue))])
            } ?? .null
        return .object([
            ("pair", .string(pair.pair)), ("desired", .string(pair.desired.state.rawValue)),
            ("reason", .string(pair.desired.reason)), ("live", live), ("reached", .bool(pair.reached)),
            ("actions", .array(pair.actions.map(JSONValue.string))), ("problem", .optional(pair.problem?.description)),
            ("removed", .bool(pair.removedFromConfig)),
        ])
    }
}
