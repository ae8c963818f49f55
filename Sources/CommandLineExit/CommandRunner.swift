import ArgumentParser
import Foundation

/// Runs a command tree and exits with the project's statuses. The one place where
/// argument-parser's usage errors (64) become 2, so scripts and systemd see one code for
/// "you asked for something invalid", for `syncwindow` and `geminidb-emulator` alike.
public enum CommandRunner {
    /// The exit status of a usage error.
    public static let usageStatus: Int32 = 2

    /// Parses `arguments` as `root`, runs the command, exits 0 on success. Errors: `failure`
    /// decides first (a message and a status); usage errors are one line and exit 2; anything
    /// else exits as argument-parser would.
    public static func runAndExit<Root: ParsableCommand>(
        _ root: Root.Type, name: String, arguments: [String]? = nil,
        escape: (String) -> String = { $0 },
        failure: (any Error) -> (message: String, status: Int32)? = { _ in nil }
    ) async -> Never {
        do {
            var command = try root.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            finish(0)
        } catch {
            if let (message, status) = failure(error) {
                FileHandle.standardError.write(Data("\(name): \(escape(message))\n".utf8))
                finish(status)
            }
            if root.exitCode(for: error) == .validationFailure {
                // One line, like every other error: the usage text is a --help away.
                let message =
                    root.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init)
                    ?? "invalid usage"
                FileHandle.standardError.write(Data("\(name): \(escape(message)) (see --help)\n".utf8))
                finish(usageStatus)
            }
            // A command's own status (`throw ExitCode(…)` after its work): nothing to print.
            if let code = error as? ExitCode { finish(code.rawValue) }
            root.exit(withError: error)
        }
    }

    /// Ends the process with `status` once the command has returned. Every client a command opens
    /// lives in a scope of the command's (the PostgreSQL pool in `PostgresBackend.with`, the HTTP
    /// clients in `GeminiDBHTTP.with`) and is shut down before its `run()` returns, so no connection
    /// or client work is in flight here, and the ordinary `exit` (stdio flushed, exit handlers run)
    /// is safe. (Commands used to end in `_exit`, skipping the exit handlers: one 5,000-pair pass in
    /// 83 crashed at exit, suspected to be those handlers racing a pool nothing had shut down. The
    /// soak of issue 18, item 8, is what rules that crash in or out for good.)
    static func finish(_ status: Int32) -> Never {
        exit(status)
    }
}
