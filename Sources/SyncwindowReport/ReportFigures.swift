import Foundation
import SyncwindowReconciler
import SyncwindowSchedule

/// The report figures beyond the summary counts — time paused outside windows, pause
/// latency, overrides and failures — for `--format json` and the table's notes.
enum ReportFigures {
    static func utc(_ date: Date) -> String { ReportInstants.utc.text(date) }

    /// A pair's JSON object with the newer fields appended (fields are added, never renamed).
    static func adding(to pair: JSONValue, _ report: PairReport) -> JSONValue {
        guard case .object(let fields) = pair else { return pair }
        return .object(fields + json(report))
    }

    /// The fields added after the original shape, in the order docs/reports.md lists them.
    static func json(_ report: PairReport) -> [(String, JSONValue)] {
        let outside = report.pausedOutsideWindows.map { interval -> JSONValue in
            .object([
                ("start", .string(utc(interval.start))), ("end", .string(utc(interval.end))),
                ("seconds", .number(interval.duration.rounded())),
            ])
        }
        let latency: JSONValue =
            report.pauseLatency.map { summary in
                .object([
                    ("p50", .number(summary.p50.rounded())), ("p95", .number(summary.p95.rounded())),
                    ("max", .number(summary.max.rounded())),
                ])
            } ?? .null
        let overrides = report.overrideHolds.map { hold -> JSONValue in
            .object([
                ("actor", .string(hold.actor)), ("reason", .string(hold.reason)),
                ("state", .string(hold.state.rawValue)),
                ("from", .string(utc(hold.from))), ("until", .string(utc(hold.until))),
                ("ended", .string(utc(hold.ended))),
            ])
        }
        let failures = report.failureList.map { failure -> JSONValue in
            .object([
                ("at", .string(utc(failure.at))), ("kind", .string(failure.kind)), ("side", .optional(failure.side)),
                ("job_id", .optional(failure.jobID)), ("detail", .string(failure.detail)),
            ])
        }
        return [
            ("paused_outside_windows_seconds", .number(report.pausedOutsideWindowsSeconds.rounded())),
            ("paused_outside_windows", .array(outside)),
            ("pause_latency_seconds", latency),
            ("override_list", .array(overrides)),
            ("failure_list", .array(failures)),
            ("planned_from", .optional(report.plannedFrom.map(utc))),
        ]
    }

    /// The top-level fields saying which configurations judged the period, and why some
    /// windows are not counted.
    static func plan(_ summary: PeriodSummary) -> [(String, JSONValue)] {
        let configurations = summary.configurations.map { era -> JSONValue in
            .object([
                ("from", .string(utc(era.from))), ("until", .optional(era.until.map(utc))),
                ("config_sha256", .string(era.configSHA256)), ("source", .string(era.source.rawValue)),
            ])
        }
        return [
            ("trail_began", .optional(summary.trailBegan.map(utc))),
            ("configurations", .array(configurations)),
            ("notes", .array(summary.notes.map { .string($0) })),
        ]
    }

    /// Why a pair's windows count only from some instant on, when it is not the trail's start.
    static func pairNote(_ report: PairReport, _ summary: PeriodSummary) -> String? {
        guard let began = summary.trailBegan, let until = summary.configurations.last?.until else { return nil }
        guard let from = report.plannedFrom else {
            return "no configuration recorded in the trail names this pair: no window counted"
        }
        guard from > began, from > summary.configurations[0].from, from < until else { return nil }
        return "windows counted from \(utc(from)), when the configuration first named this pair"
    }

    /// The plan's notes under the table.
    static func planText(_ summary: PeriodSummary) -> String {
        var lines = summary.notes.map { "  \(Printable.escaped($0))" }
        for report in summary.pairs {
            if let note = pairNote(report, summary) { lines.append("  \(report.pair): \(note)") }
        }
        return lines.isEmpty ? "" : (["", "plan"] + lines).joined(separator: "\n") + "\n"
    }

    /// Notes under the table: per pair, what an auditor asks next.
    static func text(_ reports: [PairReport]) -> String {
        var lines: [String] = []
        for report in reports {
            var notes: [String] = []
            if !report.pausedOutsideWindows.isEmpty {
                notes.append(
                    "  paused outside windows: \(DurationText.format(report.pausedOutsideWindowsSeconds.rounded()))")
                for interval in report.pausedOutsideWindows {
                    notes.append(
                        "    \(utc(interval.start)) to \(utc(interval.end)) (\(DurationText.format(interval.duration)))"
                    )
                }
            }
            if let latency = report.pauseLatency {
                notes.append(
                    "  pause latency: p50 \(Int(latency.p50.rounded()))s, p95 \(Int(latency.p95.rounded()))s, max \(Int(latency.max.rounded()))s"
                )
            }
            if !report.overrideHolds.isEmpty {
                notes.append("  overrides:")
                for hold in report.overrideHolds {
                    notes.append(
                        "    \(utc(hold.from)) to \(utc(hold.ended))  \(Printable.escaped(hold.actor))  hold \(hold.state.rawValue): \(Printable.escaped(hold.reason))"
                    )
                }
            }
            if !report.failureList.isEmpty {
                notes.append("  failures:")
                for failure in report.failureList {
                    let side = failure.side.map { " \($0)" } ?? ""
                    let job = failure.jobID.map { " job \($0)" } ?? ""
                    notes.append(
                        "    \(utc(failure.at))  \(failure.kind)\(side)\(job): \(Printable.escaped(failure.detail))")
                }
            }
            if !notes.isEmpty { lines += ["", report.pair] + notes }
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
