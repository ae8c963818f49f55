import Foundation
import SyncwindowTestSupport
import Testing

/// The cloud pauses (resumes) a DR pair only once BOTH sides were called; until then both read
/// SUSPENDING (RECOVERYING), whatever job finishes. The built `syncwindow` against the
/// `geminidb-emulator` binary playing that reading: a tick killed between the two sides, a call
/// the cloud accepted and lost, a status nobody documented. On SQLite, or PostgreSQL with
/// `SYNCWINDOW_TEST_STORE=postgres` (a 10 s lease, so the next tick takes over a killed one's).
@Suite("two-sided calls end to end", .serialized)
struct TwoSidedCallsEndToEndTests {
    static let inWindow = "2026-12-01T01:31:00Z"
    static let laterInWindow = "2026-12-01T01:32:00Z"
    static let afterWindow = "2026-12-01T03:31:00Z"
    static let orders = ["orders-primary-in12", "orders-standby-in12"]

    struct Setup {
        let fixture: ConfigFixture
        let emulator: SpawnedEmulator
        let config: String

        init() throws {
            fixture = try ConfigFixture(storeFromEnvironment: false)
            if PostgresServer.fixturesUsePostgres {
                try fixture.useSharedPostgres(extra: "\n    lease: 10s\n    lease_margin: 3s")
            }
            emulator = try SpawnedEmulator(configPath: fixture.configPath, flags: ["--job-delay", "0s"])
            config = try fixture.configPointing(at: emulator.baseURL)
        }

        /// A tick of `orders` alone; a short job timeout, so a pass that waits on a pair that
        /// cannot settle fails within the test, and room to take over a killed tick's lease.
        func tick(at: String, _ extra: [String] = []) throws -> BinaryRunner.Result {
            try BinaryRunner.run("syncwindow", arguments(at: at) + ["--lock-timeout", "15"] + extra)
        }

        func arguments(at: String) -> [String] {
            [
                "tick", "--config", config, "--at", at, "--pair", "orders", "--poll-interval", "0.05", "--job-timeout",
                "5",
            ]
        }

        /// Starts a tick, waits until the emulator has carried out its first call, on the
        /// primary (the answer held back), and kills the tick with SIGKILL before it hears back.
        func killAfterPrimaryCall(at: String) throws {
            try emulator.setFaults(holdCallAnswersMilliseconds: 5_000)
            let marker = try emulator.requestCount()
            let process = Process()
            process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
            process.arguments = arguments(at: at)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let called = try waitUntil(timeout: 30) { try !emulator.posts(to: orders[0], after: marker).isEmpty }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(called, "the tick never called the primary")
            #expect(try emulator.posts(to: orders[1], after: marker).isEmpty, "the standby was called already")
            try emulator.setFaults()
        }

        func statuses() throws -> [String?] { try TwoSidedCallsEndToEndTests.orders.map(emulator.status(of:)) }

        func events(_ kind: String) throws -> [[String: Any]] {
            let result = try BinaryRunner.run("syncwindow", ["audit", "--format", "json", "--config", config])
            let events = try #require(try jsonObject(result.stdout)["events"] as? [[String: Any]], "\(result.stdout)")
            return events.filter { text($0, "pair") == "orders" && text($0, "kind") == kind }
        }

        func finish() {
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    @Test("a tick killed between the two sides of a pause: both read SUSPENDING; the next tick serves the window")
    func pauseKilledBetweenSides() throws {
        let setup = try Setup()
        defer { setup.finish() }
        // Given a tick killed after the cloud took its pause of the primary, before the standby was called
        try setup.killAfterPrimaryCall(at: Self.inWindow)
        // Then the pair reads SUSPENDING on both sides, though the primary's job completed
        #expect(try setup.statuses() == ["SUSPENDING", "SUSPENDING"])
        // When the next tick runs
        let next = try setup.tick(at: Self.inWindow)
        // Then it calls the standby and the window is served: both SUSPENDED, exit 0
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        #expect(try setup.statuses() == ["SUSPENDED", "SUSPENDED"])
        let accepted = try setup.emulator.requests().filter { $0.method == "POST" && $0.status == 202 }
        #expect(accepted.filter { $0.path.contains(Self.orders[0]) }.count == 1, "the primary is called once")
        #expect(accepted.filter { $0.path.contains(Self.orders[1]) }.count == 1)
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test("a tick killed between the two sides of a resume: both read RECOVERYING; the next tick resumes the pair")
    func resumeKilledBetweenSides() throws {
        let setup = try Setup()
        defer { setup.finish() }
        // Given the pair paused for the window
        let paused = try setup.tick(at: Self.inWindow)
        #expect(paused.status == 0, "\(paused.stderr)")
        // And, after it, a tick killed after the cloud took its resume of the primary
        try setup.killAfterPrimaryCall(at: Self.afterWindow)
        #expect(try setup.statuses() == ["RECOVERYING", "RECOVERYING"])
        // When the next tick runs
        let next = try setup.tick(at: Self.afterWindow)
        // Then it resumes the standby and the pair syncs again
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        #expect(try setup.statuses() == ["SYNCING", "SYNCING"])
    }

    @Test("a pause the cloud accepted and lost: the tick names the job; the next re-issues it, no drift blamed")
    func lostCallIsReissued() throws {
        let setup = try Setup()
        defer { setup.finish() }
        // Given a cloud that answers the first pause 202 with a job id, then never shows the job
        try setup.emulator.setFaults(loseNextCalls: 1)
        let first = try setup.tick(at: Self.inWindow)
        let lostJob = try #require(
            try setup.events("pause_outcome").first.map { text($0, "job_id") }, "no pause outcome")
        // Then the tick fails loudly, naming the job the cloud never showed
        #expect(first.status == 1, "\(first.stdout) \(first.stderr)")
        #expect(
            first.stderr.contains("job \(lostJob) on primary was accepted but the cloud's jobs list never showed it"),
            "\(first.stderr)")
        #expect(try setup.statuses() == ["SUSPENDING", "SUSPENDING"], "only the standby took its call")
        // When the next tick runs, a minute later
        let next = try setup.tick(at: Self.laterInWindow)
        // Then it re-issues the primary's pause, saying why, and the window is served
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        #expect(try setup.statuses() == ["SUSPENDED", "SUSPENDED"])
        let reissue = try #require(try setup.events("pause_intent").last)
        #expect(text(reissue, "side") == "primary")
        #expect(
            text(reissue, "reason").hasPrefix("re-issued pause on primary: the cloud accepted job \(lostJob)"),
            "\(reissue)")
        #expect(try setup.events("drift").isEmpty, "a call of ours that did not take is nobody's drift")
    }

    @Test(
        "a sync status the tool does not know is named, quoted or said to be empty; NA keeps its own message",
        arguments: [
            ("FROZEN", #"standby reports an unknown sync status "FROZEN": syncwindow leaves the pair alone"#),
            ("", "standby reports an empty sync status: syncwindow leaves the pair alone"),
            ("NA", "standby reports sync status NA: no DR relationship to pause or resume"),
        ])
    func unknownStatusIsNamed(status: String, message: String) throws {
        let setup = try Setup()
        defer { setup.finish() }
        try setup.emulator.force(Self.orders[1], to: status)
        let result = try setup.tick(at: Self.inWindow)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try setup.emulator.requests().filter { $0.method == "POST" }.isEmpty)
    }
}
