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

    /// Flushes stdio and ends the process without running exit handlers and static destructors.
    /// Those run on the exiting thread while the runtime's worker and event-loop threads are still
    /// alive (a static binary carries the runtime's and Foundation's), and a worker that touches
    /// what they tore down crashes a command that had finished its work. One 5,000-pair pass
    /// exited on SIGSEGV in a dispatch worker with nothing on stderr; this is the suspected cause,
    /// not a proven one. Everything a command writes is committed, closed or flushed before this.
    /// Why it stays: until the lifetimes are structured (every client shut down before `main`
    /// returns) and a soak with core dumps rules the crash in or out (issue 18, items 2 and 8),
    /// returning normally would bring back the exit that crashed.
    static func finish(_ status: Int32) -> Never {
        fflush(nil)
        _exit(status)
    }
}
