import ArgumentParser
import Foundation
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule

/// `syncwindow override pause|resume|clear PAIR`: an operator's hold, applied at once.
struct OverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override", abstract: "Hold a pair paused or syncing by hand, or hand it back to the schedule.",
        subcommands: [Pause.self, Resume.self, Clear.self])

    /// Overrides are for incidents, not a second scheduler: they expire within a week.
    static let maximumLength: TimeInterval = 7 * 86_400

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause", abstract: "Hold PAIR paused, even outside its windows (applied at once).")
        @OptionGroup var hold: HoldOptions
        func run() async throws { try await hold.apply(.paused) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume", abstract: "Hold PAIR syncing, even inside its windows (applied at once).")
        @OptionGroup var hold: HoldOptions
        func run() async throws { try await hold.apply(.syncing) }
    }

    struct HoldOptions: ParsableArguments {
        @OptionGroup var options: ConfigOptions
        @OptionGroup var timing: PassTimingOptions
        @Argument(help: "The pair.") var pair: String
        @Option(name: .customLong("for"), help: "How long to hold, e.g. 2h (at most 7d).") var duration: String?
        @Option(help: "Hold until this RFC 3339 time (at most 7 days ahead).") var until: String?
        @Option(help: "Why (recorded in the audit).") var reason: String
        @Option(help: "Who is acting (default: $SUDO_USER, else $USER).") var actor: String?
        @Option(help: "Act as if the wall clock read this RFC 3339 time (rehearsals, tests).") var at: String?

        func validate() throws {
            if (duration == nil) == (until == nil) { throw ValidationError("give exactly one of --for or --until") }
            if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
        }

        func apply(_ state: SyncState) async throws {
            let (config, host) = try options.loadWithHost()
            let realNow = SystemClock.now()
            let instant = try Arguments.instant(at, option: "--at", default: realNow)
            let end: Date
            if let duration {
                end = instant.addingTimeInterval(try Arguments.duration(duration, option: "--for"))
            } else {
                end = try Arguments.instant(until, option: "--until", default: instant)
            }
            guard end > instant else { throw CLIFailure("--until must be in the future") }
            guard end.timeIntervalSince(instant) <= OverrideCommand.maximumLength else {
                throw CLIFailure("an override lasts at most 7 days; use a window for anything longer")
            }
            // The limit holds in real time too: a rehearsal's `--at` months ahead must not set a
            // hold that keeps a real pair paused for months (the trail records it like any other).
            guard end.timeIntervalSince(realNow) <= OverrideCommand.maximumLength else {
                throw CLIFailure(
                    "an override lasts at most 7 days from now (\(RFC3339.format(realNow, in: .gmt)) by this host's "
                        + "clock), and this one would end at \(RFC3339.format(end, in: .gmt)); --at does not move "
                        + "that limit")
            }
            let request = OverrideRequest(pair: pair, state: state, until: end, reason: reason)
            try await OverrideCommand.apply(
                request, actor: Arguments.actor(explicit: actor), config: config, host: host, timing: timing,
                at: instant,
                clockOffset: instant.timeIntervalSince(realNow))
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear", abstract: "Hand PAIR back to its schedule.")

        @OptionGroup var options: ConfigOptions
        @OptionGroup var timing: PassTimingOptions
        @Argument(help: "The pair.") var pair: String
        @Option(help: "Why (recorded in the audit).") var reason: String
        @Option(help: "Who is acting (default: $SUDO_USER, else $USER).") var actor: String?
        @Option(help: "Act as if the wall clock read this RFC 3339 time (rehearsals, tests).") var at: String?

        func validate() throws {
            if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
        }

        func run() async throws {
            let (config, host) = try options.loadWithHost()
            let realNow = SystemClock.now()
            let instant = try Arguments.instant(at, option: "--at", default: realNow)
            let request = OverrideRequest(pair: pair, state: nil, until: nil, reason: reason)
            try await OverrideCommand.apply(
                request, actor: Arguments.actor(explicit: actor), config: config, host: host, timing: timing,
                at: instant,
                clockOffset: instant.timeIntervalSince(realNow))
        }
    }

    /// Records the override and reconciles the pair at once, as the operator who set it,
    /// all under the pair's lock: if another invocation holds it, nothing is recorded (exit 75).
    static func apply(
        _ request: OverrideRequest, actor: String, config: SyncwindowConfiguration, host: String,
        timing: PassTimingOptions,
        at instant: Date, clockOffset: TimeInterval
    ) async throws {
        let pair = request.pair
        guard config.pair(named: pair) != nil else {
            throw CLIFailure("unknown pair '\(pair)'; configured: \(config.pairs.map(\.name).joined(separator: ", "))")
        }
        try Arguments.checkPrintable(request.reason, option: "--reason")
        try Arguments.checkPrintable(actor, option: "--actor")
        // Clearing an expired or absent override is not an error: the operator wants the pair
        // back on its schedule now, so the clear is recorded and the pass runs either way.
        let result = try await Wiring.withReconciler(config, host: host, logger: Log.logger()) { reconciler in
            var options = timing.options(at: instant, dryRun: false, actor: actor, pairs: [pair], mode: .override)
            options.override = request
            options.clockOffset = clockOffset
            return try await reconciler.runPass(options)
        }
        if let standDown = result.standDown {
            throw CLIFailure(
                "\(standDown.description); the override was NOT recorded", exitCode: ExitStatus.notConverged)
        }
        PassPrinter.print(result, format: .table, dryRun: false)
        if result.pairs.contains(where: \.lockUnavailable) {
            throw CLIFailure(
                "another syncwindow invocation holds \(pair)'s lock; the override was NOT recorded — try again",
                exitCode: ExitStatus.locked)
        }
        let status = ExitStatus.of(result.verdict)
        if status != ExitStatus.success { throw ExitCode(status) }
    }
}
