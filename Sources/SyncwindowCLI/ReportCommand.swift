import ArgumentParser
import Foundation

/// `syncwindow report`: per-pair summary of a period.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Summarise a period per pair.")
    @OptionGroup var options: ConfigOptions
    func run() async throws { throw CLIFailure("report: not built yet", exitCode: 1) }
}
