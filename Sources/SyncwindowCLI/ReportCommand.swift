import ArgumentParser
import Foundation
import SyncwindowReconciler
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
        let summary = try await PeriodReport.summary(
            configuration: config, audit: try await Wiring.openAuditForReading(config), since: start, until: end,
            pairs: pair.map { [$0] })
        guard format == .html else {
            print(ReportRenderer.render(summary, since: start, until: end, format: format, zone: zone), terminator: "")
            return
        }
        var output = StandardOutput()
        try ReportHTML.write(summary, since: start, until: end, zone: zone, to: &output)
        try output.flush()
    }
}

/// Renders period reports in the four formats.
enum ReportRenderer {
    static let columns = [
        "pair", "windows_planned", "windows_honoured", "windows_missed", "windows_skipped", "pauses", "resumes",
        "failures",
        "paused_seconds", "max_pause_latency_seconds", "overrides",
        // Added after the original columns, so scripts reading by position keep working.
        "paused_outside_windows_seconds", "pause_latency_p50_seconds", "pause_latency_p95_seconds",
    ]

    static func cells(_ report: PairReport) -> [String] {
        [
            report.pair, String(report.windowsPlanned), String(report.windowsHonoured), String(report.windowsMissed),
            String(report.windowsSkipped), String(report.pauses), String(report.resumes), String(report.failures),
            String(Int(report.pausedSeconds.rounded())),
            report.maxPauseLatencySeconds.map { String(Int($0.rounded())) } ?? "",
            String(report.overrides),
            String(Int(report.pausedOutsideWindowsSeconds.rounded())),
            report.pauseLatency.map { String(Int($0.p50.rounded())) } ?? "",
            report.pauseLatency.map { String(Int($0.p95.rounded())) } ?? "",
        ]
    }

    static func render(
        _ summary: PeriodSummary, since: Date, until: Date, format: OutputFormat, zone: TimeZone = .gmt
    ) -> String {
        let reports = summary.pairs
        let period = (RFC3339.format(since, in: .gmt), RFC3339.format(until, in: .gmt))
        switch format {
        case .json:
            let pairs = reports.map { report -> JSONValue in
                .object([
                    ("pair", .string(report.pair)), ("windows_planned", .integer(Int64(report.windowsPlanned))),
                    ("windows_honoured", .integer(Int64(report.windowsHonoured))),
                    ("windows_missed", .integer(Int64(report.windowsMissed))),
                    ("windows_skipped", .integer(Int64(report.windowsSkipped))),
                    ("pauses", .integer(Int64(report.pauses))),
                    ("resumes", .integer(Int64(report.resumes))), ("failures", .integer(Int64(report.failures))),
                    ("paused_seconds", .number(report.pausedSeconds.rounded())),
                    ("max_pause_latency_seconds", report.maxPauseLatencySeconds.map { .number($0.rounded()) } ?? .null),
                    ("overrides", .integer(Int64(report.overrides))),
                ])
            }
            let withFigures = zip(reports, pairs).map { ReportFigures.adding(to: $1, $0) }
            return JSONValue.object(
                [("since", .string(period.0)), ("until", .string(period.1)), ("pairs", .array(withFigures))]
                    + ReportFigures.plan(summary)
            )
            .rendered() + "\n"
        case .csv:
            return ([CSV.line(columns)] + reports.map { CSV.line(cells($0)) }).joined(separator: "\n") + "\n"
        case .html:
            return ReportHTML.render(summary, since: since, until: until, zone: zone)
        default:
            var table = TextTable(columns: [
                "PAIR", "PLANNED", "HONOURED", "MISSED", "SKIPPED", "PAUSES", "RESUMES", "FAILURES", "PAUSED",
                "MAX LATENCY", "OVERRIDES",
            ])
            for report in reports {
                // The table shows the original columns; the newer figures are noted beneath it.
                var row = Array(cells(report).prefix(11))
                row[8] = DurationText.format(report.pausedSeconds.rounded())
                row[9] = report.maxPauseLatencySeconds.map { "\(Int($0.rounded()))s" } ?? "-"
                table.add(row)
            }
            return "report from \(period.0) to \(period.1)\n" + table.rendered(empty: "no pairs")
                + ReportFigures.text(reports) + ReportFigures.planText(summary)
        }
    }

    /// The text with `&`, `<`, `>` and `"` as HTML entities: Foundation's `replacingOccurrences`, done on bytes
    /// where that gives the same text (a year's HTML report escapes a few hundred thousand titles).
    static func escape(_ text: String) -> String {
        var text = text
        switch text.withUTF8(escaping) {
        case .unchanged: return text
        case .foundation: return foundationEscape(text)
        case .bytes:
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count + 16)
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "&"): out += Array("&amp;".utf8)
                case UInt8(ascii: "<"): out += Array("&lt;".utf8)
                case UInt8(ascii: ">"): out += Array("&gt;".utf8)
                case UInt8(ascii: "\""): out += Array("&quot;".utf8)
                default: out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    enum Escaping { case unchanged, bytes, foundation }

    /// Nothing to replace; ASCII with something to replace (bytes and Foundation agree); or text where
    /// Foundation's search, which matches canonically equivalent text, may differ from a byte search.
    static func escaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Escaping {
        var ascii = true
        var special = false
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""): special = true
            case 0x80...:
                ascii = false
                // ≮ and ≯ (E2 89 AE, E2 89 AF) decompose to < and > with a combining stroke.
                if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x89, bytes[index + 2] & 0xFE == 0xAE {
                    return .foundation
                }
            default: break
            }
        }
        return !special ? .unchanged : ascii ? .bytes : .foundation
    }

    static func foundationEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
