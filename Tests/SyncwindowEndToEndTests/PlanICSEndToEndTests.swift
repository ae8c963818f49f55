import Foundation
import SyncwindowTestSupport
import Testing

/// `syncwindow plan --format ics` (the built binary), read back by the Python `icalendar`
/// package (PyPI; `make venv` installs it) and compared event for event with `plan --format json`.
@Suite("plan as an RFC 5545 calendar")
struct PlanICSEndToEndTests {
    /// Windows in zones whose clocks change in the period (Berlin on Mar 29 and Oct 25, New
    /// York on Mar 8 and Nov 1), one on both pairs, with a name long enough to fold the SUMMARY line.
    static let windows = [
        "berlin.yaml": """
        windows:
          - name: berlin-sunday
            cron: "30 2 * * sun"
            timezone: Europe/Berlin
            duration: 3h
            pairs: ["*"]
          - name: nyc-quarterly-maintenance-window-with-a-long-name
            cron: "0 1 1-9 mar,nov *"
            timezone: America/New_York
            duration: 90m
            cutoff: 10m
            pairs: [orders]
        """
    ]

    /// Each VEVENT as icalendar decodes it: uid, summary, start and end as UTC ISO 8601, dtstamp.
    static func parse(_ ics: String) throws -> [[String: String]] {
        let script = #"""
            # `from` imports only: scripts/check_imports.py reads `import X` lines in Swift files.
            from json import dumps
            from sys import stdin
            from datetime import timezone
            from icalendar import Calendar
            calendar = Calendar.from_ical(stdin.buffer.read())
            assert calendar.get('version') == '2.0', calendar.get('version')
            events = []
            for event in calendar.walk('VEVENT'):
                row = {}
                for key in ('dtstart', 'dtend', 'dtstamp'):
                    value = event.decoded(key)
                    assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0, (key, value)
                    row[key] = value.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
                row['uid'] = str(event.get('uid'))
                row['summary'] = str(event.get('summary'))
                row['description'] = str(event.get('description'))
                events.append(row)
            print(dumps(events))
            """#
        let python =
            ProcessInfo.processInfo.environment["SYNCWINDOW_PYTHON"]
            ?? BinaryRunner.repositoryRoot().appendingPathComponent(".venv/bin/python3").path
        let directory = try TemporaryDirectory(prefix: "syncwindow-ics")
        defer { directory.remove() }
        let path = try directory.write("parse_ics.py", script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [path]
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(ics.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "icalendar (pip install icalendar; make venv does): \(problem)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
    }

    @Test("every occurrence is one VEVENT with the instants plan --format json gives, across both DST changes")
    func calendarAgreesWithJSON() throws {
        let fixture = try ConfigFixture(windows: Self.windows)
        defer { fixture.directory.remove() }
        let period = ["--from", "2026-03-01T00:00:00Z", "--to", "2026-11-15T00:00:00Z", "--config", fixture.configPath]
        let ics = try BinaryRunner.run(
            "syncwindow", ["plan", "--format", "ics", "--at", "2026-02-20T08:00:00Z"] + period)
        try #require(ics.status == 0, "\(ics.stderr)")
        let json = try BinaryRunner.run("syncwindow", ["plan", "--format", "json"] + period)
        try #require(json.status == 0, "\(json.stderr)")

        // The wire format: CRLF after every line, no line longer than 75 octets, folds start with a space.
        let text = ics.stdout
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
        let lines = text.components(separatedBy: "\r\n").dropLast()
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "a bare LF")
        #expect(lines.allSatisfy { $0.utf8.count <= 75 }, "\(lines.filter { $0.utf8.count > 75 })")
        #expect(lines.contains { $0.hasPrefix(" ") }, "the long summary should have been folded")
        #expect(lines.filter { $0.hasPrefix("DTSTART:") }.allSatisfy { $0.hasSuffix("Z") })

        // Event for event against the JSON plan.
        struct Plan: Decodable {
            struct Row: Decodable { var pair, window, start, end: String }
            var occurrences: [Row]
        }
        let plan = try JSONDecoder().decode(Plan.self, from: Data(json.stdout.utf8)).occurrences
        let events = try Self.parse(text)
        let iso = ISO8601DateFormatter()
        #expect(events.count == plan.count)
        // Berlin Sundays Mar 1–Nov 8 (37) on two pairs, New York Mar 1–9 and Nov 1–9 (18) on orders.
        #expect(plan.count == 2 * 37 + 18)
        for (event, row) in zip(events, plan) {
            #expect(iso.date(from: event["dtstart"] ?? "") == iso.date(from: row.start), "\(event) vs \(row)")
            #expect(iso.date(from: event["dtend"] ?? "") == iso.date(from: row.end), "\(event) vs \(row)")
            #expect(event["summary"] == "\(row.window): DR sync paused on \(row.pair)")
            #expect(event["dtstamp"] == "2026-02-20T08:00:00Z")
        }
        #expect(Set(events.compactMap { $0["uid"] }).count == events.count, "UIDs are unique")

        // Across the changes: 02:30 Berlin is 01:30Z in winter, 00:30Z in summer; the window
        // lasts 3 h of elapsed time either way. 01:00 New York is 06:00Z in EST (up to Mar 8,
        // whose 01:00 is still before the 02:00 jump, and again from Nov 2), 05:00Z in EDT.
        let starts = Set(events.map { "\($0["summary"]!.prefix(6)) \($0["dtstart"]!) \($0["dtend"]!)" })
        #expect(starts.contains("berlin 2026-03-22T01:30:00Z 2026-03-22T04:30:00Z"))
        #expect(
            starts.contains("berlin 2026-03-29T01:00:00Z 2026-03-29T04:00:00Z"),
            "spring forward: 02:30 is in the gap, opens at 03:00 CEST, the first instant after it")
        #expect(
            starts.contains("berlin 2026-10-25T00:30:00Z 2026-10-25T03:30:00Z"),
            "fall back: 02:30 happens twice, the window opens once, at the first (02:30 CEST)")
        #expect(starts.contains("nyc-qu 2026-03-07T06:00:00Z 2026-03-07T07:30:00Z"))
        #expect(starts.contains("nyc-qu 2026-03-09T05:00:00Z 2026-03-09T06:30:00Z"))
        #expect(
            starts.contains("nyc-qu 2026-11-01T05:00:00Z 2026-11-01T06:30:00Z"), "01:00 EDT, first of the two 01:00s")
        #expect(starts.contains("nyc-qu 2026-11-02T06:00:00Z 2026-11-02T07:30:00Z"))

        // Stable UIDs: a calendar made on another day names the same events the same.
        let later = try BinaryRunner.run(
            "syncwindow", ["plan", "--format", "ics", "--at", "2026-02-27T08:00:00Z"] + period)
        let again = try Self.parse(later.stdout)
        #expect(again.map { $0["uid"] } == events.map { $0["uid"] })
        #expect(again.first?["dtstamp"] == "2026-02-27T08:00:00Z")
    }
}
