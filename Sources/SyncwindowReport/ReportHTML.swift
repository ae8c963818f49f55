import Foundation
import SyncwindowReconciler
import SyncwindowSchedule

/// `report --format html`: one self-contained page (inline CSS and SVG, no script, no
/// request to anywhere) with a legend, a timeline per pair and the summary table beneath —
/// readable offline, in an email attachment and on paper.
///
/// The page is written as it is made, a pair's section at a time: a year of 5,000 pairs is about a gigabyte of
/// HTML, which should pass through, not sit in memory.
package enum ReportHTML {
    package static func render(_ period: PeriodSummary, since: Date, until: Date, zone: TimeZone) -> String {
        var page = ""
        write(period, since: since, until: until, zone: zone, to: &page)
        return page
    }

    package static func write<Sink: TextSink>(
        _ period: PeriodSummary, since: Date, until: Date, zone: TimeZone, to out: inout Sink
    ) throws(Sink.Failure) {
        let reports = period.pairs
        let timeline = ReportTimeline(since: since, until: until, zone: zone)
        let zoneName = zone.identifier == "GMT" ? "UTC" : zone.identifier
        let from = RFC3339.format(since, in: zone), to = RFC3339.format(until, in: zone)
        try out.write(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>syncwindow report \(escape(RFC3339.format(since, in: .gmt))) to \(escape(RFC3339.format(until, in: .gmt)))</title>
            <style>\(style)</style>
            </head><body>
            \(patterns)
            <h1>syncwindow report</h1>
            <p class="period">From <time datetime="\(escape(RFC3339.format(since, in: .gmt)))">\(escape(from))</time> to \
            <time datetime="\(escape(RFC3339.format(until, in: .gmt)))">\(escape(to))</time> (exclusive). \
            Time axis in <strong>\(escape(zoneName))</strong>; hover over a mark for its exact instants.</p>
            \(legend)
            \(planNotes(period))
            """)
        for report in reports {
            var section = "<section class=\"pair\" data-pair=\"\(escape(report.pair))\">\n"
            section += "<h2>\(escape(report.pair))</h2>\n"
            section += headline(report)
            if let note = ReportFigures.pairNote(report, period) {
                section += "<p class=\"plan\">\(escape(note))</p>\n"
            }
            section += timeline.svg(report)
            section += details(report, timeline: timeline)
            section += "</section>\n"
            try out.write(section)
        }
        if reports.isEmpty { try out.write("<p>No pairs.</p>\n") }
        try out.write(summary(reports))
        try out.write("</body></html>\n")
    }

    static func escape(_ text: String) -> String { ReportRenderer.escape(text) }

    /// An instant in a table cell: UTC, and beneath it the axis zone's wall time when that differs.
    static func instantCell(_ timeline: ReportTimeline, _ date: Date) -> String {
        let utc = ReportInstants.utc.text(date)
        let local = timeline.local.text(date)
        return local == utc ? utc : "\(utc)<br><small>\(escape(local))</small>"
    }

    /// Where the plan came from: the notes, and the configurations in force when more than one was.
    static func planNotes(_ summary: PeriodSummary) -> String {
        guard !summary.notes.isEmpty else { return "" }
        let items = summary.notes.map { "<li>\(escape($0))</li>" }.joined()
        return "<ul class=\"plan\">\(items)</ul>\n"
    }

    /// The numbers an auditor reads first, in one line above the timeline.
    static func headline(_ report: PairReport) -> String {
        var parts = [
            "\(report.windowsHonoured) of \(report.windowsPlanned) windows honoured",
            "\(report.windowsMissed) missed", "\(report.windowsSkipped) skipped",
            "paused \(DurationText.format(report.pausedSeconds.rounded()))",
        ]
        let outside = "paused outside windows \(DurationText.format(report.pausedOutsideWindowsSeconds.rounded()))"
        parts.append(report.pausedOutsideWindowsSeconds > 0 ? "<strong class=\"alert\">\(outside)</strong>" : outside)
        if let latency = report.pauseLatency {
            parts.append(
                "pause latency p50 \(Int(latency.p50.rounded()))s, p95 \(Int(latency.p95.rounded()))s, max \(Int(latency.max.rounded()))s"
            )
        }
        parts.append("\(report.overrideHolds.count) overrides, \(report.failures) failures")
        return "<p class=\"headline\">\(parts.joined(separator: " · "))</p>\n"
    }

    static func details(_ report: PairReport, timeline: ReportTimeline) -> String {
        var out = ""
        if !report.pausedOutsideWindows.isEmpty {
            out +=
                "<h3>Paused outside windows</h3>\n<table class=\"list outside\"><thead><tr><th>from</th><th>until</th><th>for</th></tr></thead><tbody>\n"
            for interval in report.pausedOutsideWindows {
                out +=
                    "<tr><td>\(instantCell(timeline, interval.start))</td><td>\(instantCell(timeline, interval.end))</td><td>\(DurationText.format(interval.duration.rounded()))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        if !report.overrideHolds.isEmpty {
            out +=
                "<h3>Overrides</h3>\n<table class=\"list overrides\"><thead><tr><th>actor</th><th>hold</th><th>reason</th><th>from</th><th>until</th><th>ended</th></tr></thead><tbody>\n"
            for hold in report.overrideHolds {
                out +=
                    "<tr><td>\(escape(hold.actor))</td><td>\(escape(hold.state.rawValue))</td><td>\(escape(hold.reason))</td><td>\(instantCell(timeline, hold.from))</td><td>\(instantCell(timeline, hold.until))</td><td>\(instantCell(timeline, hold.ended))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        if !report.failureList.isEmpty {
            out +=
                "<h3>Failures</h3>\n<table class=\"list failures\"><thead><tr><th>at</th><th>kind</th><th>side</th><th>job</th><th>detail</th></tr></thead><tbody>\n"
            for failure in report.failureList {
                out +=
                    "<tr><td>\(instantCell(timeline, failure.at))</td><td>\(escape(failure.kind))</td><td>\(escape(failure.side ?? ""))</td><td>\(escape(failure.jobID ?? ""))</td><td>\(escape(failure.detail))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        return out
    }

    /// The summary table: the CSV's columns (same order), then the newer figures.
    static func summary(_ reports: [PairReport]) -> String {
        let extra = ["paused_outside_windows_seconds", "pause_latency_p50", "pause_latency_p95"]
        // The CSV's column names, spaced so that headers wrap between words.
        let header = (ReportRenderer.columns + extra).map {
            "<th>\(escape($0.replacingOccurrences(of: "_", with: " ")))</th>"
        }.joined()
        let rows = reports.map { report in
            let more = [
                String(Int(report.pausedOutsideWindowsSeconds.rounded())),
                report.pauseLatency.map { String(Int($0.p50.rounded())) } ?? "",
                report.pauseLatency.map { String(Int($0.p95.rounded())) } ?? "",
            ]
            return "<tr>" + (ReportRenderer.cells(report) + more).map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        return """
            <h2>Summary</h2>
            <table class="summary"><thead><tr>\(header)</tr></thead><tbody>
            \(rows.joined(separator: "\n"))
            </tbody></table>

            """
    }

    /// Legend swatches share the timeline's classes, so they look exactly like the marks.
    static let legend = """
        <div class="legend" aria-label="legend">
        <span><svg width="34" height="16"><rect class="window honoured" x="1" y="1" width="32" height="14"/></svg> planned window, honoured</span>
        <span><svg width="34" height="16"><rect class="window missed" x="1" y="1" width="32" height="14"/></svg> planned window, missed</span>
        <span><svg width="34" height="16"><rect class="window skipped" x="1" y="1" width="32" height="14"/></svg> skipped (cutoff, override, disabled)</span>
        <span><svg width="34" height="16"><rect class="window pending" x="1" y="1" width="32" height="14"/></svg> not over yet</span>
        <span><svg width="34" height="16"><rect class="exception" x="1" y="1" width="32" height="14"/></svg> exception date / not active</span>
        <span><svg width="34" height="16"><rect class="pause" x="1" y="1" width="32" height="14"/></svg> paused by syncwindow</span>
        <span><svg width="34" height="16"><rect class="outside" x="1" y="1" width="32" height="14"/></svg> paused outside any window</span>
        <span><svg width="34" height="16"><rect class="override hold-paused" x="1" y="1" width="32" height="14"/></svg> override: hold paused</span>
        <span><svg width="34" height="16"><rect class="override hold-syncing" x="1" y="1" width="32" height="14"/></svg> override: hold syncing</span>
        <span><svg width="18" height="16"><path class="failure" d="M4 3 l10 10 m0 -10 l-10 10"/></svg> failed call, job or pass</span>
        <span><svg width="18" height="16"><path class="drift" d="M9 1 l6 7 l-6 7 l-6 -7 z"/></svg> drift (changed by someone else)</span>
        <span><svg width="18" height="16"><circle class="skip-event" cx="9" cy="8" r="4.5"/></svg> skip recorded</span>
        </div>
        """

    /// Hatching and dots, defined once for every SVG on the page.
    static let patterns = """
        <svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
        <pattern id="p-honoured" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#cfe3f1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#0072B2" stroke-width="2"/></pattern>
        <pattern id="p-missed" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fbe0cf"/><path d="M0 0 L6 6 M6 0 L0 6" stroke="#D55E00" stroke-width="1.4"/></pattern>
        <pattern id="p-skipped" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fbf6c4"/><circle cx="3" cy="3" r="1.3" fill="#000"/></pattern>
        <pattern id="p-outside" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#E69F00"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2.5"/></pattern>
        <pattern id="p-hold-syncing" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#fff"/><circle cx="4" cy="4" r="2" fill="#CC79A7"/></pattern>
        </defs></svg>
        """

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px;color:#111;\
        -webkit-print-color-adjust:exact;print-color-adjust:exact}
        h1{margin:0 0 4px}h2{margin:28px 0 4px}h3{margin:12px 0 4px;font-size:1em}
        .period,.headline{margin:4px 0 8px}.alert{color:#A33F00}
        .legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;margin:8px 0 12px;align-items:center}
        .legend span{display:inline-flex;align-items:center;gap:6px}
        svg.timeline{display:block;max-width:100%;height:auto;font-size:12px;overflow:visible}
        .lane{fill:#f4f4f4;stroke:#ddd}.lane-label{fill:#333;font-size:12px}
        .axis{stroke:#555}.grid{stroke:#bbb;stroke-dasharray:2 3}.tick{fill:#333;font-size:11px}
        .window.honoured{fill:url(#p-honoured);stroke:#0072B2;stroke-width:1}
        .window.missed{fill:url(#p-missed);stroke:#D55E00;stroke-width:2}
        .window.skipped{fill:url(#p-skipped);stroke:#000;stroke-width:1}
        .window.pending{fill:#fff;stroke:#0072B2;stroke-width:1;stroke-dasharray:3 2}
        .exception{fill:none;stroke:#555;stroke-width:1.2;stroke-dasharray:2 2}
        .pause{fill:#009E73;stroke:#00664a}
        .outside{fill:url(#p-outside);stroke:#A33F00;stroke-width:1}
        .override.hold-paused{fill:#CC79A7;stroke:#7a3b63}
        .override.hold-syncing{fill:url(#p-hold-syncing);stroke:#7a3b63}
        .failure{stroke:#000;stroke-width:3;fill:none}
        .drift{fill:#F0E442;stroke:#000;stroke-width:1.2}
        .skip-event{fill:#56B4E9;stroke:#000;stroke-width:1}
        .mark:hover{stroke:#000;stroke-width:2}
        table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
        td,th{border:1px solid #999;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
        table.summary th{max-width:7em;font-size:12px;vertical-align:bottom}table.list td,table.list th{text-align:left}table.list td{white-space:nowrap}table.list td:last-child{white-space:normal}
        @media print{body{margin:8mm}section.pair{break-inside:avoid}.mark:hover{stroke-width:1}}
        """
}
