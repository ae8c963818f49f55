import ArgumentParser
import Foundation

/// `syncwindow demo`: the quick start against an in-process emulator.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Rehearse tonight's windows against a built-in emulator.")
    func run() async throws { throw CLIFailure("demo: not built yet", exitCode: 1) }
}
