import Foundation
import SyncwindowReconciler
import SyncwindowSchedule

/// Renders period reports as a table, CSV and JSON (HTML: ``ReportHTML``).
package enum ReportRenderer {
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

    /// The JSON document: the period, each pair's figures and the plan's notes.
    package static func json(_ summary: PeriodSummary, since: Date, until: Date) -> String {
        let pairs = summary.pairs.map { report -> JSONValue in
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
        let withFigures = zip(summary.pairs, pairs).map { ReportFigures.adding(to: $1, $0) }
        return JSONValue.object(
            [
                ("since", .string(RFC3339.format(since, in: .gmt))),
                ("until", .string(RFC3339.format(until, in: .gmt))),
                ("pairs", .array(withFigures)),
            ] + ReportFigures.plan(summary)
        )
        .rendered() + "\n"
    }

    /// One CSV line per pair under a header of ``columns``.
    package static func csv(_ summary: PeriodSummary) -> String {
        ([CSV.line(columns)] + summary.pairs.map { CSV.line(cells($0)) }).joined(separator: "\n") + "\n"
    }

    /// The table for people: the original columns, the newer figures and the plan's notes beneath it.
    package static func table(_ summary: PeriodSummary, since: Date, until: Date) -> String {
        var table = TextTable(columns: [
            "PAIR", "PLANNED", "HONOURED", "MISSED", "SKIPPED", "PAUSES", "RESUMES", "FAILURES", "PAUSED",
            "MAX LATENCY", "OVERRIDES",
        ])
        for report in summary.pairs {
            var row = Array(cells(report).prefix(11))
            row[8] = DurationText.format(report.pausedSeconds.rounded())
            row[9] = report.maxPauseLatencySeconds.map { "\(Int($0.rounded()))s" } ?? "-"
            table.add(row)
        }
        return "report from \(RFC3339.format(since, in: .gmt)) to \(RFC3339.format(until, in: .gmt))\n"
            + table.rendered(empty: "no pairs") + ReportFigures.text(summary.pairs) + ReportFigures.planText(summary)
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
