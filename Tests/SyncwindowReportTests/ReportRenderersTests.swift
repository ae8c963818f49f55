import Foundation
import SyncwindowSchedule
import Testing

@testable import SyncwindowReport

/// The renderers on fixed inputs, against the text they must print (the end-to-end suites check the same
/// outputs through the binary; these say what changed when one breaks).
@Suite("Report and plan renderers")
struct ReportRenderersTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    static let since = at("2026-12-01T00:00:00Z")
    static let until = at("2026-12-08T00:00:00Z")

    static let summary = PeriodSummary(
        pairs: [
            PairReport(
                pair: "orders", windowsPlanned: 7, windowsHonoured: 6, windowsMissed: 1, windowsSkipped: 0, pauses: 6,
                resumes: 6, failures: 1, pausedSeconds: 43_200.4, maxPauseLatencySeconds: 2.6, overrides: 0,
                pauseLatency: LatencySummary([1, 1, 2, 2, 2, 2.6])),
            PairReport(
                pair: "=cmd|' /c calc'!A0", windowsPlanned: 0, windowsHonoured: 0, windowsMissed: 0, windowsSkipped: 0,
                pauses: 0, resumes: 0, failures: 0, pausedSeconds: 0, maxPauseLatencySeconds: nil, overrides: 0),
        ],
        configurations: [], trailBegan: at("2026-11-01T00:00:00Z"), notes: [])

    @Test("CSV: the columns in their order, a formula neutralised and quoted")
    func csv() {
        #expect(
            ReportRenderer.csv(Self.summary) == """
                pair,windows_planned,windows_honoured,windows_missed,windows_skipped,pauses,resumes,failures,\
                paused_seconds,max_pause_latency_seconds,overrides,paused_outside_windows_seconds,\
                pause_latency_p50_seconds,pause_latency_p95_seconds
                orders,7,6,1,0,6,6,1,43200,3,0,0,2,3
                '=cmd|' /c calc'!A0,0,0,0,0,0,0,0,0,,0,0,,

                """)
        #expect(CSV.line(["-5", "-x", "a,b", "say \"hi\""]) == #"-5,'-x,"a,b","say ""hi""""#)
    }

    @Test("table: the original columns, durations in words")
    func table() {
        let lines = ReportRenderer.table(Self.summary, since: Self.since, until: Self.until).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "report from 2026-12-01T00:00:00Z to 2026-12-08T00:00:00Z")
        #expect(
            lines[1]
                == "PAIR                PLANNED  HONOURED  MISSED  SKIPPED  PAUSES  RESUMES  FAILURES  PAUSED  MAX LATENCY  OVERRIDES"
        )
        #expect(
            lines[2]
                == "orders              7        6         1       0        6       6        1         12h     3s           0"
        )
    }

    @Test("JSON: the period, then each pair's figures in a fixed key order")
    func json() throws {
        let text = ReportRenderer.json(Self.summary, since: Self.since, until: Self.until)
        #expect(text.hasPrefix("{\n  \"since\": \"2026-12-01T00:00:00Z\",\n  \"until\": \"2026-12-08T00:00:00Z\",\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let pairs = try #require(object["pairs"] as? [[String: Any]])
        #expect(pairs.map { $0["pair"] as? String } == ["orders", "=cmd|' /c calc'!A0"])
        #expect(pairs[0]["paused_seconds"] as? Double == 43_200)
        #expect(pairs[1]["max_pause_latency_seconds"] is NSNull)
    }

    static func window() throws -> Window {
        try Window(
            name: "nightly", cron: CronExpression.parse("30 1 * * *"),
            timeZone: #require(TimeZone(identifier: "Europe/Berlin")), duration: 5_400, pairs: .all)
    }

    @Test("ICS: one VEVENT per occurrence, UTC instants, CRLF lines")
    func ics() throws {
        let window = try Self.window()
        let start = Self.at("2026-12-02T00:30:00Z")
        let text = PlanICS.render(
            [(pair: "orders", occurrence: Occurrence(window: "nightly", start: start, end: start + 5_400))],
            windows: [window], stamp: Self.at("2026-12-01T12:00:00Z"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == "BEGIN:VCALENDAR")
        #expect(lines.contains("DTSTART:20261202T003000Z"))
        #expect(lines.contains("DTEND:20261202T020000Z"))
        #expect(lines.contains("DTSTAMP:20261201T120000Z"))
        #expect(lines.contains("SUMMARY:nightly: DR sync paused on orders"))
        #expect(lines.suffix(2) == ["END:VCALENDAR", ""])
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
    }

    @Test("plan JSON: the bytes are the document JSONValue renders for the same rows")
    func planJSON() throws {
        let window = try Self.window()
        let schedule = Schedule(windows: [window])
        let rows = schedule.plan(pairs: ["orders", "sessions"], startingFrom: Self.since, count: 3)
        let rendered = PlanJSON.rendered(rows, pairs: ["orders", "sessions"], windows: [window])
        let expected = JSONValue.object([
            (
                "occurrences",
                .array(
                    rows.map { row in
                        let start = Date(timeIntervalSince1970: Double(row.start))
                        return .object([
                            ("pair", .string(["orders", "sessions"][row.pair])), ("window", .string("nightly")),
                            ("start", .string(RFC3339.format(start, in: window.timeZone))),
                            ("end", .string(RFC3339.format(start + 5_400, in: window.timeZone))),
                        ])
                    })
            )
        ])
        #expect(rendered == expected.rendered() + "\n")
        #expect(rendered.contains("\"start\": \"2026-12-01T01:30:00+01:00\""))
        #expect(PlanJSON.rendered([], pairs: [], windows: []) == "{\n  \"occurrences\": []\n}\n")
    }

    @Test("HTML: a section and a timeline per pair, operator text escaped, the axis in the reader's zone")
    func html() throws {
        var summary = Self.summary
        let start = Self.at("2026-12-02T00:30:00Z")
        summary.pairs[0].timeline = PairTimeline(
            paused: [DateInterval(start: start + 3, end: start + 5_400)],
            drift: [TimelineMark(at: start + 60, text: "resumed by <someone>")])
        let zone = try #require(TimeZone(identifier: "Europe/Berlin"))
        let page = ReportHTML.render(summary, since: Self.since, until: Self.until, zone: zone)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.hasSuffix("</body></html>\n"))
        #expect(page.components(separatedBy: "<section class=\"pair\"").count == 3)
        #expect(page.components(separatedBy: "<svg class=\"timeline\"").count == 3)
        #expect(page.contains("data-pair=\"=cmd|' /c calc'!A0\""))
        #expect(page.contains("resumed by &lt;someone&gt;"))
        #expect(!page.contains("<someone>"))
        #expect(page.contains("Time axis in <strong>Europe/Berlin</strong>"))
        // A week: ticks every 12 hours, at Berlin's midnights and noons.
        #expect(page.contains("<title>2026-12-02T11:00:00Z (2026-12-02T12:00:00+01:00)</title>12:00</text>"))
        #expect(page.contains("<title>2026-12-01T23:00:00Z (2026-12-02T00:00:00+01:00)</title>Wed 2 Dec</text>"))
    }
}
