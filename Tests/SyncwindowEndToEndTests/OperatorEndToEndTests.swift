import Foundation
import SyncwindowTestSupport
import Testing

/// What operators do by hand, through the built binary: overrides, status, reports, `run`.
@Suite("operator commands end to end", .serialized)
struct OperatorEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup

    func syncwindow(_ setup: Setup, _ arguments: [String]) throws -> BinaryRunner.Result {
        try BinaryRunner.run("syncwindow", arguments + ["--config", setup.config])
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("override pause applies at once, shows in status with its actor, and clear hands the pair back")
    func overrideLifecycle() throws {
        let setup = try Setup()
        defer { setup.finish() }
        let at = TickEndToEndTests.afterWindow
        let hold = try syncwindow(
            setup,
            ["override", "pause", "orders", "--for", "1h", "--reason", "INC-42 drill", "--actor", "alice", "--at", at])
        #expect(hold.status == 0, "\(hold.stderr)")
        #expect(try setup.acceptedPosts().keys.filter { $0.contains("orders") }.count == 2)
        #expect(try setup.acceptedPosts().keys.filter { $0.contains("sessions") }.isEmpty)

        let status = try syncwindow(setup, ["status", "--at", at, "--format", "json"])
        #expect(status.status == 0, "\(status.stderr)")
        let document = try json(status.stdout)
        #expect(document["at"] as? String == "2026-12-01T03:31:00Z")
        let pairs = try #require(document["pairs"] as? [[String: Any]])
        let orders = try #require(pairs.first { $0["pair"] as? String == "orders" })
        #expect(orders["desired"] as? String == "paused")
        #expect((orders["override"] as? [String: Any])?["actor"] as? String == "alice")
        #expect((orders["live"] as? [String: Any])?["primary"] as? String == "SUSPENDED")
        for key in ["pair", "desired", "reason", "live", "window", "override", "last_action"] {
            #expect(orders.keys.contains(key), "status JSON lacks \(key)")
        }

        let clear = try syncwindow(
            setup, ["override", "clear", "orders", "--reason", "drill done", "--actor", "alice", "--at", at])
        #expect(clear.status == 0, "\(clear.stderr)")
        #expect(try setup.acceptedPosts().filter { $0.key.contains("orders") }.values.reduce(0, +) == 4)
        // Clearing again is not an error: recorded, and the pair's pass runs (nothing to do).
        let again = try syncwindow(setup, ["override", "clear", "orders", "--reason", "twice", "--at", at])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try setup.acceptedPosts().filter { $0.key.contains("orders") }.values.reduce(0, +) == 4)

        let audit = try syncwindow(setup, ["audit", "--pair", "orders", "--format", "json"])
        let events = try #require(try json(audit.stdout)["events"] as? [[String: Any]])
        #expect(
            events.filter { $0["kind"] as? String == "override_cleared" }.map { $0["reason"] as? String } == [
                "drill done", "twice",
            ])
        let set = try #require(events.first { $0["kind"] as? String == "override_set" })
        #expect(set["actor"] as? String == "alice")
        #expect(set["reason"] as? String == "INC-42 drill")
        for key in ["id", "at", "pair", "side", "kind", "outcome", "job_id", "actor", "reason", "detail"] {
            #expect(set.keys.contains(key), "audit JSON lacks \(key)")
        }
    }

    @Test("an override that cannot get the pair's lock records nothing and exits 75", .sqliteTrailOnly)
    func overrideGivesUpOnLock() throws {
        let setup = try Setup(emulatorFlags: ["--latency", "700ms"])
        defer { setup.finish() }
        let holder = try setup.start()
        setup.waitUntilLocked()
        let result = try syncwindow(
            setup, ["override", "pause", "orders", "--for", "1h", "--reason", "drill", "--lock-timeout", "0.1"])
        holder.waitUntilExit()
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("NOT recorded"))
        #expect(try setup.sqlite("SELECT count(*) FROM event WHERE kind = 'override_set';") == "0")
    }

    @Test("control characters in --reason or --actor are refused: they could forge audit rows on screen")
    func controlCharactersRefused() throws {
        let setup = try Setup()
        defer { setup.finish() }
        for (option, value) in [
            ("--reason", "ok\n42  2026-12-01  orders  override_cleared"), ("--actor", "eve\u{1B}[31m"),
        ] {
            var arguments = ["override", "pause", "orders", "--for", "1h", "--reason", "fine"]
            if option == "--reason" { arguments[arguments.count - 1] = value } else { arguments += [option, value] }
            let result = try syncwindow(setup, arguments)
            #expect(result.status == 2, "\(option): \(result.stderr)")
            #expect(result.stderr.contains("\(option) contains the control character"))
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
        #expect(try setup.acceptedPosts().isEmpty)
    }

    @Test("the actor defaults to SUDO_USER, then USER")
    func actorFromEnvironment() throws {
        let setup = try Setup()
        defer { setup.finish() }
        let result = try BinaryRunner.run(
            "syncwindow",
            [
                "override", "resume", "orders", "--for", "30m", "--reason", "keep hot", "--at",
                TickEndToEndTests.inWindow, "--config", setup.config,
            ],
            environment: ["SUDO_USER": "carol", "USER": "root"])
        #expect(result.status == 0, "\(result.stderr)")
        let csv = try syncwindow(setup, ["audit", "--format", "csv"]).stdout
        #expect(
            csv.split(separator: "\n").first?.hasPrefix("id,at,pair,side,kind,outcome,job_id,actor,reason,detail")
                == true)
        #expect(csv.contains("override_set,syncing,,carol,keep hot"))
    }

    @Test("report after a night: json, csv and html agree")
    func reportFormats() throws {
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick(at: "2026-12-01T01:30:30Z").status == 0)
        #expect(try setup.tick(at: "2026-12-01T03:30:10Z").status == 0)
        let period = ["--since", "2026-12-01T00:00:00Z", "--until", "2026-12-02T00:00:00Z"]
        let report = try syncwindow(setup, ["report", "--format", "json"] + period)
        #expect(report.status == 0, "\(report.stderr)")
        let pairs = try #require(try json(report.stdout)["pairs"] as? [[String: Any]])
        let orders = try #require(pairs.first { $0["pair"] as? String == "orders" })
        #expect(orders["windows_planned"] as? Int == 1)
        #expect(orders["windows_honoured"] as? Int == 1)
        #expect(orders["pauses"] as? Int == 1)
        #expect(orders["resumes"] as? Int == 1)
        #expect(orders["max_pause_latency_seconds"] as? Double == 30)
        #expect(orders["paused_seconds"] as? Double == 7180)
        let csv = try syncwindow(setup, ["report", "--format", "csv"] + period).stdout
        #expect(csv.contains("orders,1,1,0,0,1,1,0,7180,30,0"))
        let html = try syncwindow(setup, ["report", "--format", "html"] + period).stdout
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<td>orders</td><td>1</td><td>1</td>"))
    }

    @Test("the README quick start: demo rehearses the example windows and leaves nothing behind")
    func demoQuickStart() throws {
        let root = BinaryRunner.repositoryRoot().path
        let before = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("syncwindow-demo-") }
        let result = try BinaryRunner.run(
            "syncwindow", ["demo", "--from", "2026-12-08T00:00:00Z"], currentDirectory: root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("(nightly-batch opens)"))
        #expect(result.stdout.contains("pause primary (job "))
        #expect(result.stdout.contains("resume standby (job "))
        #expect(result.stdout.contains("(patch-tuesday stays shut: exception date)"))
        #expect(result.stdout.contains("exception date 2026-12-08"))
        #expect(result.stdout.contains("audit trail intact"))
        #expect(!result.stdout.contains("FAILED"))
        let after = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("syncwindow-demo-") }
        #expect(Set(after) == Set(before), "the demo removes its temporary directory")
    }

    @Test("run reconciles until SIGTERM, then exits 0")
    func runStopsOnSigterm() throws {
        let setup = try Setup()
        defer { setup.finish() }
        // A window that is open whenever the test runs.
        try setup.fixture.directory.write(
            "windows/always.yaml",
            "windows:\n  - name: always\n    cron: \"* * * * *\"\n    duration: 24h\n    pairs: [sessions]\n")
        let process = Process()
        process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
        process.arguments = ["run", "--config", setup.config, "--poll-interval", "0.05", "--interval", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = try waitUntil(timeout: 20) { try setup.acceptedPosts().keys.filter { $0.contains("sessions") }.count >= 2 }
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try setup.acceptedPosts().keys.filter { $0.contains("sessions") }.count == 2)
        #expect(try setup.sqlite("SELECT count(*) FROM event WHERE kind = 'pass_started' AND reason = 'run';") != "0")
    }
}
