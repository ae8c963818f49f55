import Foundation
import SyncwindowTestSupport
import Testing

/// `syncwindow report` after eight simulated nights (`tick --at` against the emulator
/// binary), each a case an auditor asks about. Every expected figure below is worked out
/// by hand from the scenario, not read from the output.
///
/// Window `nightly`: 01:00–03:00 UTC every day, cutoff 30m, not on 2026-12-04, pair `orders`
/// only (`sessions` has no window). Period 2026-12-01T00:00Z to 2026-12-09T00:00Z.
///
/// | night  | what happens                                                          | paused            | outside |
/// |--------|-----------------------------------------------------------------------|-------------------|---------|
/// | Dec 1  | served: pause 01:00:20, resume 03:00:40                               | 7220 s            | 40 s    |
/// | Dec 2  | missed: no pass ran                                                   | –                 | –       |
/// | Dec 3  | cut off: first pass 02:45 (15m left < 30m); dave holds paused 12:00–13:00, resumed 13:00:30 | 3630 s | 3630 s |
/// | Dec 4  | exception date: not planned, a pass at 01:10 records the skip         | –                 | –       |
/// | Dec 5  | overridden: carol holds syncing 00:50–03:50                           | –                 | –       |
/// | Dec 6  | resumed by hand: pause 01:00:30, someone resumes, seen 01:31:00      | 1830 s            | 0       |
/// | Dec 7  | failed jobs: both pause jobs fail 01:00:10, retry 01:05:10, resume 03:00:10 | 6900 s      | 10 s    |
/// | Dec 8  | overran: pause 01:00:05, both resume jobs fail 03:00:05, resumed 03:20:05 | 8400 s      | 1205 s  |
///
/// planned 7 (8 nights less the exception date), honoured 4 (1, 6, 7, 8), skipped 2 (3, 5),
/// missed 1 (2); pauses and resumes 5 each; paused 27980 s; outside windows 4885 s;
/// latencies 20, 30, 310, 5 s → p50 20 (2nd of 4), p95 310 (4th of 4), max 310;
/// failures 6 (two failed jobs and the pass error, on Dec 7 and on Dec 8); 2 overrides.
@Suite("report end to end", .serialized)
struct ReportEndToEndTests {
    static let window = """
        windows:
          - name: nightly
            cron: "0 1 * * *"
            timezone: UTC
            duration: 2h
            cutoff: 30m
            except: [2026-12-04]
            pairs: [orders]
        """
    static let period = ["--since", "2026-12-01T00:00:00Z", "--until", "2026-12-09T00:00:00Z"]

    /// The built binaries over eight nights: a fixture with the window above and the emulator.
    struct Scenario {
        let fixture: ConfigFixture
        let emulator: SpawnedEmulator
        let config: String

        init() throws {
            fixture = try ConfigFixture(windows: ["nightly.yaml": ReportEndToEndTests.window])
            emulator = try SpawnedEmulator(configPath: fixture.configPath, flags: ["--job-delay", "0s"])
            config = try fixture.configPointing(at: emulator.baseURL)
        }

        func syncwindow(_ arguments: [String]) throws -> BinaryRunner.Result {
            try BinaryRunner.run("syncwindow", arguments + ["--config", config])
        }

        func tick(_ at: String, expect status: Int32 = 0) throws {
            let result = try syncwindow(["tick", "--at", at, "--poll-interval", "0.05"])
            #expect(result.status == status, "tick at \(at): \(result.stdout) \(result.stderr)")
        }

        func override(_ verb: String, for duration: String, reason: String, actor: String, at: String) throws {
            let result = try syncwindow([
                "override", verb, "orders", "--for", duration, "--reason", reason, "--actor", actor, "--at", at,
                "--poll-interval", "0.05",
            ])
            #expect(result.status == 0, "override \(verb) at \(at): \(result.stderr)")
        }

        /// The eight nights of the table above.
        func play() throws {
            // Dec 1: served.
            try tick("2026-12-01T01:00:20Z")
            try tick("2026-12-01T03:00:40Z")
            // Dec 2: missed, no pass at all.
            // Dec 3: the first pass comes too late for the cutoff; later an operator's hold.
            try tick("2026-12-03T02:45:00Z")
            try override("pause", for: "1h", reason: "INC-42 failover drill", actor: "dave", at: "2026-12-03T12:00:00Z")
            try tick("2026-12-03T13:00:30Z")
            // Dec 4: exception date.
            try tick("2026-12-04T01:10:00Z")
            // Dec 5: held syncing over the window.
            try override(
                "resume", for: "3h", reason: "keep DR hot for load test", actor: "carol", at: "2026-12-05T00:50:00Z")
            try tick("2026-12-05T01:05:00Z")
            try tick("2026-12-05T04:00:00Z")
            // Dec 6: someone resumes by hand at 01:30; the 01:31 pass sees it (drift: exit 1).
            try tick("2026-12-06T01:00:30Z")
            try emulator.force("orders-primary-in12", to: "SYNCING")
            try emulator.force("orders-standby-in12", to: "SYNCING")
            try tick("2026-12-06T01:31:00Z", expect: 1)
            try tick("2026-12-06T03:00:30Z")
            // Dec 7: both pause jobs fail; the next pass pauses.
            try emulator.setFaults(failNextJobs: 2)
            try tick("2026-12-07T01:00:10Z", expect: 1)
            try emulator.setFaults()
            try tick("2026-12-07T01:05:10Z")
            try tick("2026-12-07T03:00:10Z")
            // Dec 8: both resume jobs fail at the close; the pause overruns until 03:20:05.
            try tick("2026-12-08T01:00:05Z")
            try emulator.setFaults(failNextJobs: 2)
            try tick("2026-12-08T03:00:05Z", expect: 1)
            try emulator.setFaults()
            try tick("2026-12-08T03:20:05Z")
        }

        func finish() {
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test("eight nights: every figure in JSON matches the hand-worked scenario")
    func figuresInJSON() throws {
        let scenario = try Scenario()
        defer { scenario.finish() }
        try scenario.play()

        let result = try scenario.syncwindow(["report", "--format", "json"] + Self.period)
        try #require(result.status == 0, "\(result.stderr)")
        let pairs = try #require(try jsonObject(result.stdout)["pairs"] as? [[String: Any]])
        let orders = try #require(pairs.first { $0["pair"] as? String == "orders" })

        // The original figures.
        #expect(orders["windows_planned"] as? Int == 7)
        #expect(orders["windows_honoured"] as? Int == 4)
        #expect(orders["windows_missed"] as? Int == 1)
        #expect(orders["windows_skipped"] as? Int == 2)
        #expect(orders["pauses"] as? Int == 5)
        #expect(orders["resumes"] as? Int == 5)
        #expect(orders["failures"] as? Int == 6)
        #expect(orders["overrides"] as? Int == 2)
        #expect(Self.number(orders["paused_seconds"]) == 27980)
        #expect(Self.number(orders["max_pause_latency_seconds"]) == 310)

        // Paused outside any window.
        #expect(Self.number(orders["paused_outside_windows_seconds"]) == 4885)
        let outside = try #require(orders["paused_outside_windows"] as? [[String: Any]])
        #expect(
            outside.map { "\(text($0, "start")) \(text($0, "end")) \(Self.number($0["seconds"]) ?? -1)" } == [
                "2026-12-01T03:00:00Z 2026-12-01T03:00:40Z 40.0",
                "2026-12-03T12:00:00Z 2026-12-03T13:00:30Z 3630.0",
                "2026-12-07T03:00:00Z 2026-12-07T03:00:10Z 10.0",
                "2026-12-08T03:00:00Z 2026-12-08T03:20:05Z 1205.0",
            ])

        // Pause latency after the window opened.
        let latency = try #require(orders["pause_latency_seconds"] as? [String: Any])
        #expect(Self.number(latency["p50"]) == 20)
        #expect(Self.number(latency["p95"]) == 310)
        #expect(Self.number(latency["max"]) == 310)

        // Overrides: who, why, from, until.
        let overrides = try #require(orders["override_list"] as? [[String: Any]])
        #expect(
            overrides.map {
                [text($0, "actor"), text($0, "state"), text($0, "reason"), text($0, "from"), text($0, "until")]
            }
                == [
                    ["dave", "paused", "INC-42 failover drill", "2026-12-03T12:00:00Z", "2026-12-03T13:00:00Z"],
                    ["carol", "syncing", "keep DR hot for load test", "2026-12-05T00:50:00Z", "2026-12-05T03:50:00Z"],
                ])

        // Failures: on Dec 7 the two pause jobs and the pass; on Dec 8 the two resume jobs and the pass.
        let failures = try #require(orders["failure_list"] as? [[String: Any]])
        #expect(
            failures.map { "\(text($0, "at")) \(text($0, "kind")) \(text($0, "side"))" } == [
                "2026-12-07T01:00:10Z job_failed primary", "2026-12-07T01:00:10Z job_failed standby",
                "2026-12-07T01:00:10Z error ",
                "2026-12-08T03:00:05Z job_failed primary", "2026-12-08T03:00:05Z job_failed standby",
                "2026-12-08T03:00:05Z error ",
            ])
        #expect(
            failures.prefix(2).allSatisfy {
                !text($0, "job_id").isEmpty && text($0, "detail").hasPrefix("pause job failed")
            })
        #expect(failures[3...4].allSatisfy { text($0, "detail").hasPrefix("resume job failed") })

        // sessions has no window: nothing planned, nothing paused, no latency.
        let sessions = try #require(pairs.first { $0["pair"] as? String == "sessions" })
        #expect(sessions["windows_planned"] as? Int == 0)
        #expect(Self.number(sessions["paused_outside_windows_seconds"]) == 0)
        #expect(sessions["pause_latency_seconds"] is NSNull)

        // The table says the same, with the notes beneath.
        let table = try scenario.syncwindow(["report"] + Self.period)
        #expect(table.status == 0)
        #expect(table.stdout.contains("paused outside windows: 1h21m25s"), "\(table.stdout)")
        #expect(table.stdout.contains("2026-12-08T03:00:00Z to 2026-12-08T03:20:05Z (20m5s)"), "\(table.stdout)")
        #expect(table.stdout.contains("pause latency: p50 20s, p95 310s, max 310s"))
        #expect(table.stdout.contains("dave  hold paused: INC-42 failover drill"))

        // And the CSV carries the new figures after the original columns.
        let csv = try scenario.syncwindow(["report", "--format", "csv"] + Self.period)
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first).split(separator: ",").map(String.init)
        let row = try #require(lines.first { $0.hasPrefix("orders,") }).split(separator: ",").map(String.init)
        let cell = { (name: String) in header.firstIndex(of: name).map { row[$0] } }
        #expect(header.prefix(3) == ["pair", "windows_planned", "windows_honoured"])
        #expect(cell("paused_outside_windows_seconds") == "4885")
        #expect(cell("pause_latency_p50_seconds") == "20")
        #expect(cell("pause_latency_p95_seconds") == "310")
    }

    @Test("the HTML report in headless Chromium: one timeline per pair, every window and pause drawn, not blank")
    func htmlInChromium() throws {
        let scenario = try Scenario()
        defer { scenario.finish() }
        try scenario.play()
        let result = try scenario.syncwindow(
            ["report", "--format", "html", "--timezone", "Europe/Berlin"] + Self.period)
        try #require(result.status == 0, "\(result.stderr)")
        let html = result.stdout

        // Self-contained: nothing to fetch, no script.
        #expect(!html.contains("<script"))
        #expect(!html.contains(" src="))
        #expect(!html.contains("<link"))
        #expect(!html.contains("url(http"))

        // The DOM as Chromium parsed it, counted by a probe appended to a copy of the page.
        let directory = try TemporaryDirectory(prefix: "syncwindow-report-html")
        defer { directory.remove() }
        let page = try directory.write("report.html", html)
        let counts = try Self.probe(
            html, in: directory,
            counting: """
                for (const svg of document.querySelectorAll('svg.timeline')) {
                  const n = s => svg.querySelectorAll(s).length;
                  const drawn = [...svg.querySelectorAll('.mark')].filter(m => m.getBoundingClientRect().width >= 1).length;
                  out[svg.dataset.pair] = {
                    windows: n('.mark.window'), honoured: n('.mark.window.honoured'), missed: n('.mark.window.missed'),
                    skipped: n('.mark.window.skipped'), exceptions: n('.mark.exception'), pauses: n('.mark.pause'),
                    outside: n('.mark.outside'), overrides: n('.mark.override'), failures: n('.mark.failure'),
                    drift: n('.mark.drift'), marks: n('.mark'), titled: n('.mark > title'), drawn: drawn,
                    width: Math.round(svg.getBoundingClientRect().width)
                  };
                }
                out.timelines = document.querySelectorAll('svg.timeline').length;
                out.legend = document.querySelectorAll('.legend > span').length;
                out.ticks = [...document.querySelectorAll('svg.timeline[data-pair=orders] .tick')].map(t => t.lastChild.textContent);
                """)
        #expect(counts["timelines"] as? Int == 2)
        #expect(counts["legend"] as? Int == 12)
        let orders = try #require(counts["orders"] as? [String: Any])
        #expect(orders["windows"] as? Int == 7)
        #expect(orders["honoured"] as? Int == 4)
        #expect(orders["missed"] as? Int == 1)
        #expect(orders["skipped"] as? Int == 2)
        #expect(orders["exceptions"] as? Int == 1)
        #expect(orders["pauses"] as? Int == 5)
        #expect(orders["outside"] as? Int == 4)
        #expect(orders["overrides"] as? Int == 2)
        #expect(orders["failures"] as? Int == 6)
        #expect(orders["drift"] as? Int == 2, "one released drift per side on Dec 6")
        // Every mark has a hover title and is drawn at least a pixel wide.
        #expect(orders["titled"] as? Int == orders["marks"] as? Int)
        #expect(orders["drawn"] as? Int == orders["marks"] as? Int)
        let sessions = try #require(counts["sessions"] as? [String: Any])
        #expect(sessions["windows"] as? Int == 0)
        #expect(sessions["pauses"] as? Int == 0)
        // The axis is in Berlin time: a tick at each local midnight (23:00Z the evening before)
        // inside the period, so Dec 2 to Dec 9 (Dec 9 00:00 Berlin is still before 00:00Z).
        let ticks = try #require(counts["ticks"] as? [String])
        #expect(ticks.first == "Wed 2 Dec" && ticks.last == "Wed 9 Dec" && ticks.count == 8, "\(ticks)")
        #expect(html.contains("(2026-12-02T00:00:00+01:00)</title>Wed 2 Dec"), "ticks at Berlin midnight")
        #expect(
            html.contains("nightly: planned 2026-12-01T01:00:00Z (2026-12-01T02:00:00+01:00) to 2026-12-01T03:00:00Z"))

        // A screenshot that is not blank: many colours, a good share of the page drawn.
        let png = directory.url("report.png")
        try HeadlessChromium.screenshot(URL(fileURLWithPath: page), to: png)
        let summary = try PNGSummary.read(png)
        #expect(summary.width == 1400 && summary.height == 900)
        #expect(summary.colours > 50, "\(summary)")
        #expect(summary.nonBackground > 0.05, "\(summary)")
        // To look at it yourself (and to refresh docs/report.png): the screenshot and the page.
        if let keep = ProcessInfo.processInfo.environment["SYNCWINDOW_KEEP_SCREENSHOT"] {
            for (from, to) in [(png.path, keep), (page, keep + ".html")] {
                try? FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
        }
    }

    /// Counts per timeline, taken by a probe script appended to a copy of the page, in Chromium.
    static func probe(_ html: String, in directory: TemporaryDirectory) throws -> [String: Any] {
        try probe(
            html, in: directory,
            counting: """
                for (const svg of document.querySelectorAll('svg.timeline')) {
                  out[svg.dataset.pair] = {
                    windows: svg.querySelectorAll('.mark.window').length,
                    binned: svg.querySelectorAll('.mark.window.binned').length,
                    ticks: [...svg.querySelectorAll('.tick')].map(t => t.lastChild.textContent)
                  };
                }
                """)
    }

    /// What `counting` (a script filling the object `out`) finds in the DOM as Chromium parsed
    /// `html`: the script is appended to a copy of the page and writes `out` into it as JSON.
    static func probe(_ html: String, in directory: TemporaryDirectory, counting: String) throws -> [String: Any] {
        let script = """
            <script>
            const out = {};
            \(counting)
            const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
            document.body.appendChild(pre);
            </script>
            """
        let page = try directory.write(
            "probe-\(UUID().uuidString.prefix(6)).html",
            html.replacingOccurrences(of: "</body>", with: script + "</body>"))
        let dom = try HeadlessChromium.dumpDOM(URL(fileURLWithPath: page))
        let json = try #require(
            dom.range(of: "<pre id=\"probe\">").flatMap { start in
                dom[start.upperBound...].range(of: "</pre>").map { String(dom[start.upperBound..<$0.lowerBound]) }
            }, "no probe output in \(dom.suffix(500))")
        return try jsonObject(json.replacingOccurrences(of: "&quot;", with: "\""))
    }

    @Test("a day is drawn mark by mark with two-hourly ticks; a year of an hourly window is binned per day")
    func dayAndYear() throws {
        // Every hour at :15 for 10 minutes, on orders; one idle pass before both periods begins
        // the trail (windows before a trail's first pass are not planned), then none.
        let fixture = try ConfigFixture(windows: [
            "hourly.yaml": """
            windows:
              - name: hourly
                cron: "15 * * * *"
                duration: 10m
                pairs: [orders]
            """
        ])
        defer { fixture.directory.remove() }
        let directory = try TemporaryDirectory(prefix: "syncwindow-report-periods")
        defer { directory.remove() }
        let emulator = try SpawnedEmulator(configPath: fixture.configPath)
        let first = try BinaryRunner.run(
            "syncwindow",
            ["tick", "--at", "2025-12-31T23:59:00Z", "--config", try fixture.configPointing(at: emulator.baseURL)])
        _ = emulator.stop()
        try #require(first.status == 0, "\(first.stderr)")

        // A day: 24 occurrences, each its own mark; ticks every 2 h from local midnight (12).
        let day = try BinaryRunner.run(
            "syncwindow",
            [
                "report", "--format", "html", "--since", "2026-12-01T00:00:00Z", "--until", "2026-12-02T00:00:00Z",
                "--config", fixture.configPath,
            ])
        try #require(day.status == 0, "\(day.stderr)")
        let dayOrders = try #require(try Self.probe(day.stdout, in: directory)["orders"] as? [String: Any])
        #expect(dayOrders["windows"] as? Int == 24)
        #expect(dayOrders["binned"] as? Int == 0)
        let ticks = try #require(dayOrders["ticks"] as? [String])
        #expect(ticks.count == 12 && ticks.first == "Tue 1 Dec" && ticks.last == "22:00", "\(ticks)")

        // A year: 8760 occurrences; hourly (8760) and 6-hourly (1460) bins are too many for the
        // 400-mark limit, so one bin per day: 365 marks. Ticks by month (12).
        let year = try BinaryRunner.run(
            "syncwindow",
            [
                "report", "--format", "html", "--since", "2026-01-01T00:00:00Z", "--until", "2027-01-01T00:00:00Z",
                "--config", fixture.configPath,
            ])
        try #require(year.status == 0, "\(year.stderr)")
        #expect(year.stdout.utf8.count < 1_000_000, "the page stays small: \(year.stdout.utf8.count) bytes")
        let yearOrders = try #require(try Self.probe(year.stdout, in: directory)["orders"] as? [String: Any])
        #expect(yearOrders["windows"] as? Int == 365)
        #expect(yearOrders["binned"] as? Int == 365)
        let months = try #require(yearOrders["ticks"] as? [String])
        #expect(months.count == 12 && months.first == "Jan 2026" && months.last == "Dec 2026", "\(months)")
        #expect(year.stdout.contains("24 marks from 2026-01-01T00:15:00Z to 2026-01-01T23:25:00Z; worst: hourly"))
    }
}
