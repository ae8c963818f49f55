import ArgumentParser
import Foundation
import SyncwindowReconciler
import SyncwindowReport
import SyncwindowSchedule

/// `syncwindow report`: per-pair summary of a period, for people and auditors.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a period per pair: windows planned, honoured, missed; pauses; failures.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Start of the period (RFC 3339; default: 7 days before --until).")
    var since: String?

    @Option(help: "End of the period, exclusive (RFC 3339; default: now).")
    var until: String?

    @Option(help: "Only this pair.")
    var pair: String?

    @Option(help: "table, json, csv or html.")
    var format: OutputFormat = .table

    @Option(help: "IANA time zone of the HTML timeline's axis (default UTC).")
    var timezone: String = "UTC"

    func run() async throws {
        let config = try options.load()
        let end = try Arguments.instant(until, option: "--until", default: SystemClock.now())
        let start = try Arguments.instant(since, option: "--since", default: end.addingTimeInterval(-7 * 86_400))
        guard start < end else { throw CLIFailure("--since must be before --until") }
        if let pair, config.pair(named: pair) == nil { throw CLIFailure("unknown pair '\(pair)'") }
        guard let zone = TimeZone(identifier: timezone) else {
            throw CLIFailure("--timezone '\(timezone)' is not an IANA time zone, e.g. Europe/Berlin or UTC")
        }
        let pair = self.pair
        let summary = try await Wiring.withAuditForReading(config) { audit in
            try await PeriodReport.summary(
                configuration: config, audit: audit, since: start, until: end, pairs: pair.map { [$0] })
        }
        switch format {
        case .json: print(ReportRenderer.json(summary, since: start, until: end), terminator: "")
        case .csv: print(ReportRenderer.csv(summary), terminator: "")
        case .table: print(ReportRenderer.table(summary, since: start, until: end), terminator: "")
        case .html:
            var output = StandardOutput()
            try ReportHTML.write(summary, since: start, until: end, zone: zone, to: &output)
            try output.flush()
        }
    }
}
