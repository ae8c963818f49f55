import Foundation
import SyncwindowTestSupport
import Testing

/// Issue 11 item 5, "the plan as it was", with the built binaries: `tick --at` against the
/// emulator binary over simulated nights, window files edited between them as a new user
/// would, then `report` — which must judge each night against the windows configured then.
///
/// Window `nightly`: 01:00–03:00 UTC every day, both pairs. A served night is a pass at
/// 01:00:20 (pauses) and one at 03:00:20 (resumes).
@Suite("report: the plan as it was, end to end", .serialized)
struct ReportPlanHistoryEndToEndTests {
    static let nightly = """
        windows:
          - name: nightly
            cron: "0 1 * * *"
            timezone: UTC
            duration: 2h
            pairs: ["*"]
        """

    struct Scenario {
        let fixture: ConfigFixture
        let emulator: SpawnedEmulator
        let config: String

        init(windows: [String: String] = ["nightly.yaml": ReportPlanHistoryEndToEndTests.nightly]) throws {
            fixture = try ConfigFixture(windows: windows)
            emulator = try SpawnedEmulator(configPath: fixture.configPath, flags: ["--job-delay", "0s"])
            config = try fixture.configPointing(at: emulator.baseURL)
        }

        func syncwindow(_ arguments: [String]) throws -> BinaryRunner.Result {
            try BinaryRunner.run("syncwindow", arguments + ["--config", config])
        }

        func tick(_ at: String? = nil) throws {
            let result = try syncwindow(["tick", "--poll-interval", "0.05"] + (at.map { ["--at", $0] } ?? []))
            #expect(result.status == 0, "tick at \(at ?? "now"): \(result.stdout) \(result.stderr)")
        }

        func serve(nights: ClosedRange<Int>) throws {
            for day in nights {
                try tick("2026-12-0\(day)T01:00:20Z")
                try tick("2026-12-0\(day)T03:00:20Z")
            }
        }

        /// Edits a window file, as an operator would.
        func writeWindows(_ name: String, _ text: String) throws {
            _ = try fixture.directory.write("windows/\(name)", text)
        }

        func report(_ period: [String]) throws -> [String: Any] {
            let result = try syncwindow(["report", "--format", "json"] + period)
            try #require(result.status == 0, "\(result.stderr)")
            return try jsonObject(result.stdout)
        }

        func finish() {
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    static func pair(_ report: [String: Any], _ name: String) throws -> [String: Any] {
        let pairs = try #require(report["pairs"] as? [[String: Any]])
        return try #require(pairs.first { $0["pair"] as? String == name })
    }

    static func figures(_ pair: [String: Any]) -> [String: Int] {
        var result: [String: Int] = [:]
        for key in ["windows_planned", "windows_honoured", "windows_missed", "windows_skipped", "pauses", "resumes"] {
            result[key] = pair[key] as? Int ?? -1
        }
        return result
    }

    @Test("a window file added after five nights adds no planned or missed window to those nights")
    func addedWindowFileLeavesPastNightsAlone() throws {
        // Given five nights served with the nightly window
        let scenario = try Scenario()
        defer { scenario.finish() }
        try scenario.serve(nights: 1...5)
        let period = ["--since", "2026-12-01T00:00:00Z", "--until", "2026-12-06T00:00:00Z"]
        let before = try scenario.report(period)
        // When a second window file is added and the next night's pass runs with it
        try scenario.writeWindows(
            "midday.yaml",
            """
            windows:
              - name: midday
                cron: "0 12 * * *"
                timezone: UTC
                duration: 1h
                pairs: ["*"]
            """)
        try scenario.tick("2026-12-06T01:00:20Z")
        try scenario.tick("2026-12-06T03:00:20Z")
        // Then the report for the five nights is what it was: five planned, five honoured, none missed
        let after = try scenario.report(period)
        for name in ["orders", "sessions"] {
            let figures = Self.figures(try Self.pair(after, name))
            #expect(
                figures == [
                    "windows_planned": 5, "windows_honoured": 5, "windows_missed": 0, "windows_skipped": 0,
                    "pauses": 5, "resumes": 5,
                ], "\(name)")
            #expect(figures == Self.figures(try Self.pair(before, name)))
        }
        // And it names the configuration that judged them, recorded by the first pass
        let configurations = try #require(after["configurations"] as? [[String: Any]])
        #expect(configurations.map { text($0, "from") } == ["2026-12-01T01:00:20Z"], "from the first pass")
        #expect(configurations.map { text($0, "source") } == ["recorded"])
        #expect(text(after, "trail_began") == "2026-12-01T01:00:20Z")
        // And from the change on, the midday window is planned: Dec 6 at 12:00 is missed (no pass ran)
        let next = try scenario.report(["--since", "2026-12-06T00:00:00Z", "--until", "2026-12-07T00:00:00Z"])
        let orders = Self.figures(try Self.pair(next, "orders"))
        #expect(orders["windows_planned"] == 2 && orders["windows_honoured"] == 1 && orders["windows_missed"] == 1)
        let changed = try #require(next["configurations"] as? [[String: Any]])
        #expect(changed.map { text($0, "from") } == ["2026-12-06T00:00:00Z", "2026-12-06T01:00:20Z"])
        #expect(Set(changed.map { text($0, "config_sha256") }).count == 2)

        // And the audit table shows each snapshot on one line; the JSON keeps it whole
        let table = try scenario.syncwindow(["audit"])
        let lines = table.stdout.split(separator: "\n").filter { $0.contains(" configuration ") }
        #expect(lines.count == 2, "\(table.stdout)")
        #expect(lines.last?.contains("(2 windows, 2 pairs)") == true, "\(lines)")
        #expect(lines.allSatisfy { !$0.contains("{") }, "\(lines)")
        let audit = try scenario.syncwindow(["audit", "--format", "json"])
        let events = try #require(try jsonObject(audit.stdout)["events"] as? [[String: Any]])
        let last = try #require(events.last { text($0, "kind") == "configuration" })
        let snapshot = try jsonObject(text(last, "detail"))
        let windows = try #require(snapshot["windows"] as? [[String: Any]])
        #expect(windows.map { text($0, "name") } == ["midday", "nightly"])
        #expect(windows.first?["duration_seconds"] as? Int == 3600)
        let csv = try scenario.syncwindow(["audit", "--format", "csv"])
        #expect(csv.stdout.contains("\"\"name\"\":\"\"midday\"\""), "the CSV keeps the JSON detail")
    }

    @Test("a window disabled after three nights leaves them planned and honoured, with their pauses")
    func disabledWindowKeepsItsPastNights() throws {
        // Given three nights served
        let scenario = try Scenario()
        defer { scenario.finish() }
        try scenario.serve(nights: 1...3)
        // When the window is disabled and the timer's next pass runs (it has nothing to do)
        try scenario.writeWindows("nightly.yaml", Self.nightly + "\n    enabled: false\n")
        try scenario.tick("2026-12-04T00:00:00Z")
        // Then the week's report still counts the three nights, and nothing missed after the change
        let report = try scenario.report(["--since", "2026-12-01T00:00:00Z", "--until", "2026-12-08T00:00:00Z"])
        for name in ["orders", "sessions"] {
            #expect(
                Self.figures(try Self.pair(report, name)) == [
                    "windows_planned": 3, "windows_honoured": 3, "windows_missed": 0, "windows_skipped": 0,
                    "pauses": 3, "resumes": 3,
                ], "\(name)")
        }
        let notes = try #require(report["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("configuration changed at 2026-12-04T00:00:00Z") }, "\(notes)")
        // And the HTML timeline marks the disabled nights as such, not as missed windows
        let html = try scenario.syncwindow(
            ["report", "--format", "html", "--since", "2026-12-01T00:00:00Z", "--until", "2026-12-08T00:00:00Z"])
        #expect(html.status == 0)
        #expect(html.stdout.components(separatedBy: "window disabled").count - 1 >= 4 * 2, "4 nights, 2 pairs")
        #expect(!html.stdout.contains("class=\"mark window missed"))
    }

    @Test("on a fresh install the last 7 days show no missed window before the first pass")
    func freshInstallReportsNothingMissed() throws {
        // Given a fresh install whose window opens every day, six hours from the current hour
        let hour = (Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: Date()).hour! + 6) % 24
        let scenario = try Scenario(windows: [
            "daily.yaml": """
            windows:
              - name: daily
                cron: "0 \(hour) * * *"
                timezone: UTC
                duration: 1h
                pairs: ["*"]
            """
        ])
        defer { scenario.finish() }
        // When the timer's first pass runs now (outside the window: nothing to do)
        try scenario.tick()
        // Then report's default period (the last 7 days) plans and misses nothing
        let report = try scenario.report([])
        for name in ["orders", "sessions"] {
            let figures = Self.figures(try Self.pair(report, name))
            #expect(figures["windows_planned"] == 0 && figures["windows_missed"] == 0, "\(name): \(figures)")
        }
        #expect(!text(report, "trail_began").isEmpty)
        // And the table says why
        let table = try scenario.syncwindow(["report"])
        #expect(table.stdout.contains("windows before the trail's first pass at"), "\(table.stdout)")
        #expect(table.stdout.contains("are not counted"), "\(table.stdout)")
    }
}
