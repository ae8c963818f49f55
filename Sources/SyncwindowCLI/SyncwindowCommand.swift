import ArgumentParser
import CommandLineExit
import Foundation
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowReport

/// `syncwindow`: pauses GeminiDB DR synchronization during maintenance windows.
public struct SyncwindowCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "syncwindow",
        abstract: "Pause GeminiDB Redis DR synchronization while maintenance windows are open.",
        discussion: """
            Exit codes: 0 success; 1 some pair did not reach its desired state; 2 usage, configuration \
            or credential error (nothing was done); 75 another invocation holds a lock, or the audit trail \
            was busy (try again).
            """,
        version: BuildVersion.text,
        subcommands: [
            CheckCommand.self, PlanCommand.self, TickCommand.self, RunCommand.self, StatusCommand.self,
            OverrideCommand.self, AuditCommand.self, ReportCommand.self, DemoCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line and exits with syncwindow's exit codes: argument-parser's usage
    /// errors (64) become 2, so scripts and systemd see one code for "you asked for something invalid".
    public static func runAndExit(arguments: [String]? = nil) async -> Never {
        await CommandRunner.runAndExit(
            Self.self, name: "syncwindow", arguments: arguments, escape: Printable.escaped,
            failure: { error in
                switch error {
                case let failure as CLIFailure: (failure.message, failure.exitCode)
                // Raised deep inside a pass too (a write that waited out the busy timeout): one line here.
                case let error as AuditStoreError: (CLIFailure(error).message, CLIFailure(error).exitCode)
                default: nil
                }
            })
    }
}

/// syncwindow's exit statuses (README "Commands": exit codes).
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let notConverged: Int32 = 1
    public static let usage: Int32 = CommandRunner.usageStatus
    public static let locked: Int32 = 75

    /// A pass's exit status: 0 all pairs converged; 1 some pair did not; 2 the cloud refused
    /// the credentials for every pair that failed (nothing was done); 75 only lock contention.
    public static func of(_ verdict: PassVerdict) -> Int32 {
        switch verdict {
        case .converged: success
        case .notConverged: notConverged
        case .credentialsRejected: usage
        case .lockContention: locked
        }
    }
}

/// An error that ends the command with a one-line message and a specific exit status.
public struct CLIFailure: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = ExitStatus.usage) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
