import Foundation
import SyncwindowTestSupport
import Testing

/// Hosts on one PostgreSQL store that disagree about the time or the configuration (issue 17,
/// items 2 and 3): leases kept them off one pair at a time, but each read the schedule by its
/// own clock and files, and they undid each other's calls one pass after another.
@Suite("hosts that disagree about the time or the configuration", .serialized, .enabled(if: PostgresServer.available))
struct HostAgreementEndToEndTests {
    typealias Setup = SharedStoreEndToEndTests.Setup

    static func instant(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The value of an unlabelled gauge in a metrics file.
    static func gauge(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test("a host whose clock is 2 h ahead of the store's acts on no pair: exit 1, one line, the metrics say so")
    func skewedHostStandsDown() throws {
        let setup = try Setup(rehearsal: false)
        defer { setup.finish() }
        let metricsB = setup.fixture.directory.url("host-b.prom").path
        // Given host-b's clock 2 h ahead (its `--at`), on a store that is not a rehearsal store.
        let skewed = try setup.tick(
            host: "host-b", at: Self.instant(Date().addingTimeInterval(7200)), ["--metrics-file", metricsB])

        #expect(skewed.status == 1)
        let lines = skewed.stderr.split(separator: "\n")
        #expect(
            lines.count == 1 && lines[0].contains("this host's clock reads") && lines[0].contains("ahead of")
                && lines[0].contains("store.postgres.max_clock_skew"), "\(skewed.stderr)")
        #expect(try setup.emulator.requests().isEmpty, "a skewed host called the cloud")
        #expect(try setup.sql("SELECT count(*) FROM event") == "0", "a skewed host wrote to the trail")
        let metrics = try String(contentsOfFile: metricsB, encoding: .utf8)
        #expect(metrics.contains("syncwindow_host_standing_down{reason=\"clock_skew\"} 1"), "\(metrics)")
        #expect(metrics.contains("syncwindow_last_pass_exit_code 1"))
        #expect((Self.gauge("syncwindow_clock_skew_seconds", in: metrics) ?? 0) < -7000, "\(metrics)")

        // A host on time (no --at) acts, and its status and metrics show a small skew.
        let metricsA = setup.fixture.directory.url("host-a.prom").path
        let onTime = try setup.tick(host: "host-a", at: nil, ["--metrics-file", metricsA])
        #expect(onTime.status == 0, "\(onTime.stderr)")
        let metricsOnTime = try String(contentsOfFile: metricsA, encoding: .utf8)
        #expect(metricsOnTime.contains("syncwindow_host_standing_down{reason=\"clock_skew\"} 0"))
        #expect(abs(Self.gauge("syncwindow_clock_skew_seconds", in: metricsOnTime) ?? 99) < 5)
        let status = try BinaryRunner.run(
            "syncwindow", ["status", "--config", setup.config, "--host-id", "host-a", "--format", "json"])
        let host = try #require(try jsonObject(status.stdout)["host"] as? [String: Any], "\(status.stdout)")
        #expect(host["stands_down"] as? Bool == false)
        #expect(host["rehearsal_store"] as? Bool == false)
        #expect(abs((host["clock_skew_seconds"] as? Double) ?? 99) < 5)
        let table = try BinaryRunner.run("syncwindow", ["status", "--config", setup.config, "--host-id", "host-a"])
        #expect(table.stdout.contains("host host-a: clock skew"), "\(table.stdout)")
    }

    @Test("--at on a shared store that is not a rehearsal store: passes and overrides refused, a dry run allowed")
    func atRefusedOnRealSharedStore() throws {
        let setup = try Setup(rehearsal: false)
        defer { setup.finish() }
        let tick = try setup.tick(host: "host-a", at: SharedStoreEndToEndTests.inWindow)
        #expect(tick.status == 1 && tick.stderr.contains("--at is refused on a shared store"), "\(tick.stderr)")
        let override = try BinaryRunner.run(
            "syncwindow",
            [
                "override", "pause", "orders", "--for", "1h", "--reason", "drill", "--config", setup.config,
                "--host-id", "host-a", "--at", SharedStoreEndToEndTests.outsideWindow,
            ])
        #expect(override.status == 1 && override.stderr.contains("NOT recorded"), "\(override.stderr)")
        #expect(try setup.emulator.requests().isEmpty)
        #expect(try setup.sql("SELECT count(*) FROM event") == "0")

        let dryRun = try setup.tick(host: "host-a", at: SharedStoreEndToEndTests.inWindow, ["--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(try setup.acceptedPosts().isEmpty)
    }

    @Test("hosts 2 h apart on a rehearsal store: a pair's trail never runs back, so the window is served once")
    func trailNeverRunsBackwards() throws {
        let setup = try Setup()
        defer { setup.finish() }
        // The reproduction: host-a at 02:00, host-b at 04:00, host-a at 02:01, …
        let passes = [
            ("host-a", "2026-12-01T02:00:00Z"), ("host-b", "2026-12-01T04:00:00Z"), ("host-a", "2026-12-01T02:01:00Z"),
            ("host-b", "2026-12-01T04:01:00Z"), ("host-a", "2026-12-01T02:02:00Z"),
        ]
        var results: [BinaryRunner.Result] = []
        for (host, at) in passes { results.append(try setup.tick(host: host, at: at)) }

        #expect(results.map(\.status) == [0, 0, 1, 0, 1], "\(results.map(\.stderr))")
        #expect(results[2].stderr.contains("never takes a pair's trail back in time"), "\(results[2].stderr)")
        // One pause and one resume per instance, not five calls flapping DR.
        #expect(
            try setup.acceptedPosts()
                == Dictionary(uniqueKeysWithValues: SharedStoreEndToEndTests.instances.map { ($0, 2) }))
        for instance in SharedStoreEndToEndTests.instances {
            #expect(try setup.emulator.status(of: instance) == "SYNCING")
        }
        try setup.expectAuditedAndIntact()
    }

    @Test("mid-rollout, a host with other windows stands down instead of undoing the pause; status and metrics say so")
    func divergedHostStandsDown() throws {
        let setup = try Setup()
        defer { setup.finish() }
        // Given host-b with its own copy of the config whose window opens an hour later.
        let configB = try setup.fixture.directory.write(
            "config-b.yaml",
            try String(contentsOfFile: setup.config, encoding: .utf8).replacingOccurrences(
                of: "schedules: windows\n", with: "schedules: windows-b\n"))
        try setup.fixture.directory.write(
            "windows-b/nightly.yaml",
            """
            windows:
              - name: nightly
                cron: "30 2 * * *"
                timezone: UTC
                duration: 2h
                pairs: ["*"]
            """)
        let metricsB = setup.fixture.directory.url("host-b.prom").path
        func tick(_ host: String, minute: Int, config: String) throws -> BinaryRunner.Result {
            try BinaryRunner.run(
                "syncwindow",
                [
                    "tick", "--config", config, "--host-id", host, "--poll-interval", "0.05", "--at",
                    "2026-12-01T01:\(minute):00Z", "--metrics-file", metricsB,
                ])
        }

        // When the two alternate from 01:40 to 01:45.
        var results: [BinaryRunner.Result] = []
        for minute in 40...45 {
            results.append(
                minute % 2 == 0
                    ? try tick("host-a", minute: minute, config: setup.config)
                    : try tick("host-b", minute: minute, config: configB))
        }

        // Then host-b stands down every time, saying who put which configuration into effect.
        #expect(results.map(\.status) == [0, 1, 0, 1, 0, 1], "\(results.map(\.stderr))")
        let line = results[1].stderr.split(separator: "\n")
        #expect(
            line.count == 1 && line[0].contains("host host-a put configuration sha256=")
                && line[0].contains("roll the same configuration files out"), "\(results[1].stderr)")
        #expect(
            try setup.acceptedPosts()
                == Dictionary(uniqueKeysWithValues: SharedStoreEndToEndTests.instances.map { ($0, 1) }),
            "only host-a's pause")
        #expect(try setup.sql("SELECT count(*) FROM event WHERE kind = 'configuration'") == "1")
        #expect(try setup.sql("SELECT count(*) FROM event WHERE host = 'host-b'") == "0")
        let metrics = try String(contentsOfFile: metricsB, encoding: .utf8)
        #expect(metrics.contains("syncwindow_host_standing_down{reason=\"configuration\"} 1"), "\(metrics)")
        let status = try BinaryRunner.run(
            "syncwindow", ["status", "--config", configB, "--host-id", "host-b", "--format", "json"])
        let host = try #require(try jsonObject(status.stdout)["host"] as? [String: Any], "\(status.stdout)")
        #expect(host["stands_down"] as? Bool == true && host["stand_down_reason"] as? String == "configuration")
        let check = try BinaryRunner.run("syncwindow", ["check", "--config", configB, "--host-id", "host-b"])
        #expect(check.status == 0 && check.stdout.contains("warning:   host host-b"), "\(check.stdout) \(check.stderr)")

        // Once host-b runs the same files it acts again; and host-a, editing its own, is never
        // blocked by its own older configuration.
        #expect(try tick("host-b", minute: 46, config: setup.config).status == 0)
        try setup.fixture.directory.write(
            "windows/nightly.yaml",
            """
            windows:
              - name: nightly
                cron: "30 1 * * *"
                timezone: UTC
                duration: 3h
                pairs: ["*"]
            """)
        let edited = try tick("host-a", minute: 47, config: setup.config)
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(try setup.sql("SELECT count(*) FROM event WHERE kind = 'configuration'") == "2")
        try setup.expectAuditedAndIntact()
    }
}

/// An override's seven days are real days (issue 17, item 4): `--at` rehearses, it does not
/// carry a hold months past the real clock. Runs on both stores.
@Suite("an override's limit is judged by the real clock", .serialized)
struct OverrideRealClockEndToEndTests {
    @Test("override --at 200 days ahead --for 7d is refused: nothing recorded, nothing called, no hold in status")
    func farFutureOverrideRefused() throws {
        let setup = try TickEndToEndTests.Setup()
        defer { setup.finish() }
        let formatter = ISO8601DateFormatter()
        let farAhead = Date().addingTimeInterval(200 * 86_400)
        let set = try setup.syncwindow([
            "override", "pause", "orders", "--at", formatter.string(from: farAhead), "--for", "7d", "--reason",
            "rehearsal",
        ])
        #expect(set.status == 2, "\(set.stdout) \(set.stderr)")
        #expect(set.stderr.contains("at most 7 days from now") && set.stderr.split(separator: "\n").count == 1)
        let until = try setup.syncwindow([
            "override", "pause", "orders", "--at", formatter.string(from: Date().addingTimeInterval(86_400)),
            "--until", formatter.string(from: Date().addingTimeInterval(7.5 * 86_400)), "--reason", "rehearsal",
        ])
        #expect(until.status == 2, "\(until.stderr)")
        #expect(try setup.emulator.requests().isEmpty)
        let status = try setup.syncwindow(["status", "--format", "json"])
        let pairs = try #require(try jsonObject(status.stdout)["pairs"] as? [[String: Any]], "\(status.stdout)")
        #expect(pairs.allSatisfy { $0["override"] is NSNull }, "\(status.stdout)")

        // A rehearsal in the past, within the limit, still works.
        let past = try setup.syncwindow([
            "override", "pause", "orders", "--at", "2026-12-01T12:00:00Z", "--for", "1h", "--reason", "rehearsal",
        ])
        #expect(past.status == 0, "\(past.stderr)")
    }
}
