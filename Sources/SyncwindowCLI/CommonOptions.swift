import ArgumentParser
import Foundation
import Logging
import Synchronization
import SyncwindowConfig
import SyncwindowReport
import SyncwindowSchedule

/// `--config`, shared by every command.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The config file (default: $SYNCWINDOW_CONFIG, else /etc/syncwindow/config.yaml).")
    var config: String?

    @Flag(name: .shortAndLong, help: "Log debug details to stderr.")
    var verbose = false

    @Option(
        name: .customLong("host-id"),
        help:
            "This host's name in the audit trail and the pair leases (default: $SYNCWINDOW_HOST_ID, else the hostname)."
    )
    var hostID: String?

    /// Loads and validates the configuration; any problem is a usage error (exit 2).
    func load() throws -> SyncwindowConfiguration {
        try loadWithHost().config
    }

    /// `load()`, and this host's id (`HostIdentity`) for what the command writes or leases.
    /// The id is checked first, for every command: a bad `--host-id` is exit 2 even where unused.
    func loadWithHost() throws -> (config: SyncwindowConfiguration, host: String) {
        Log.bootstrap(verbose: verbose)
        let host = try HostIdentity.resolve(explicit: hostID, environment: ProcessInfo.processInfo.environment)
        return (try loadConfig(), host)
    }

    private func loadConfig() throws -> SyncwindowConfiguration {
        let path = ConfigLoader.resolvePath(explicit: config, environment: ProcessInfo.processInfo.environment)
        do {
            return try ConfigLoader.load(path: path)
        } catch {
            throw CLIFailure(error.description)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, html
}

/// `--format` of commands that print a table or JSON: help and errors list only those.
enum TableOrJSON: String, ExpressibleByArgument, CaseIterable {
    case table, json
    var output: OutputFormat { OutputFormat(rawValue: rawValue)! }
}

/// `--format` of `audit`: table, JSON or CSV.
enum TableJSONOrCSV: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
    var output: OutputFormat { OutputFormat(rawValue: rawValue)! }
}

/// Parsing helpers for times and durations given on the command line.
enum Arguments {
    static func instant(_ text: String?, option: String, default fallback: Date) throws -> Date {
        guard let text else { return fallback }
        guard let date = RFC3339.parse(text) else {
            throw CLIFailure("\(option) '\(text)' is not an RFC 3339 time with offset, e.g. 2026-12-01T01:30:00+08:00")
        }
        return date
    }

    static func duration(_ text: String, option: String) throws -> TimeInterval {
        do {
            return try DurationText.parse(text)
        } catch {
            // One hint, ours: the parser's own reason may carry one too.
            let reason = error.reason.components(separatedBy: "; ").first ?? error.reason
            throw CLIFailure("\(option) '\(text)' \(reason) (write it like 90m, 2h or 1h30m; units d, h, m, s)")
        }
    }

    /// Refuses a number of seconds outside `range` (NaN and infinities included), naming the range.
    static func checkSeconds(_ value: Double, option: String, in range: ClosedRange<Double>) throws {
        guard range.contains(value) else {
            throw ValidationError(
                "\(option) must be from \(secondsText(range.lowerBound)) to \(secondsText(range.upperBound)) seconds")
        }
    }

    private static func secondsText(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Refuses control and bidi-format characters in text that goes into the audit trail:
    /// a newline or an escape sequence in a reason could forge rows on an auditor's screen.
    static func checkPrintable(_ text: String, option: String) throws {
        if let bad = text.unicodeScalars.first(where: Printable.isUnsafe) {
            throw CLIFailure(
                "\(option) contains the control character U+\(String(bad.value, radix: 16, uppercase: true)); use plain text on one line"
            )
        }
    }

    /// Who an operator action is recorded as: `--actor`, else `SUDO_USER`, else `USER`, else
    /// the login name of the process's user (cron and systemd often leave `USER` unset).
    static func actor(explicit: String?) -> String {
        let environment = ProcessInfo.processInfo.environment
        for candidate in [explicit, environment["SUDO_USER"], environment["USER"], loginName()] {
            if let candidate, !candidate.isEmpty { return candidate }
        }
        return "uid \(getuid())"
    }

    private static func loginName() -> String? {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}

/// The one place the process's logger is configured: stderr (journald picks it up).
enum Log {
    /// `LoggingSystem.bootstrap` may run once per process; a command may load its config twice.
    private static let bootstrapped = Atomic(false)

    static func bootstrap(verbose: Bool) {
        guard !bootstrapped.exchange(true, ordering: .relaxed) else { return }
        let environmentLevel = ProcessInfo.processInfo.environment["SYNCWINDOW_LOG_LEVEL"].flatMap(
            Logger.Level.init(rawValue:))
        let level = verbose ? .debug : (environmentLevel ?? .warning)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func logger(_ label: String = "syncwindow") -> Logger { Logger(label: label) }
}

/// The real wall clock. The CLI is the one place that reads it; everything below takes
/// the instant (or a clock) as a parameter, so tests and `--at` rehearsals control time.
enum SystemClock {
    static let now: @Sendable () -> Date = { Date() }
}
