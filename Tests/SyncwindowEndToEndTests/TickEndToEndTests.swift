import Foundation
import SyncwindowTestSupport
import Testing

/// `syncwindow tick` as the timer runs it, against the `geminidb-emulator` binary:
/// crashes at arbitrary points, racing invocations, and secrets that must never leak.
@Suite("tick end to end", .serialized)
struct TickEndToEndTests {
    static let inWindow = "2026-12-01T01:31:00Z"
    static let afterWindow = "2026-12-01T03:31:00Z"

    /// Round `round` of a kill loop: in the window on even rounds, after it on odd ones, a day
    /// later every two rounds — time only moves forward, as on a shared store it must for a pair.
    static func roundInstant(_ round: Int) -> String {
        let day = 1 + round / 2
        return "2026-12-\(day < 10 ? "0" : "")\(day)T0\(round % 2 == 0 ? 1 : 3):31:00Z"
    }

    struct Setup {
        let fixture: ConfigFixture
        let emulator: SpawnedEmulator
        let config: String

        init(emulatorFlags: [String] = []) throws {
            fixture = try ConfigFixture()
            emulator = try SpawnedEmulator(
                configPath: fixture.configPath, flags: ["--job-delay", "0s"] + emulatorFlags)
            config = try fixture.configPointing(at: emulator.baseURL)
        }

        func tick(_ extra: [String] = [], at: String = TickEndToEndTests.inWindow) throws -> BinaryRunner.Result {
            try BinaryRunner.run(
                "syncwindow", ["tick", "--config", config, "--at", at, "--poll-interval", "0.05"] + extra)
        }

        func start(_ extra: [String] = [], at: String = TickEndToEndTests.inWindow) throws -> Process {
            let process = Process()
            process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
            process.arguments = ["tick", "--config", config, "--at", at, "--poll-interval", "0.05"] + extra
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }

        /// Accepted pause/resume POSTs per instance path.
        func acceptedPosts() throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for request in try emulator.requests() where request.method == "POST" && request.status == 202 {
                counts[request.path, default: 0] += 1
            }
            return counts
        }

        /// SQL on the trail (SQLite, or the fixture's PostgreSQL database).
        func sqlite(_ sql: String) throws -> String { try fixture.queryTrail(sql) }

        /// Waits until a running tick holds `pair`'s lock: its lock file exists and cannot be taken.
        func waitUntilLocked(_ pair: String = "orders", timeout: TimeInterval = 10) {
            let path = fixture.stateDirectory + "/locks/\(pair).lock"
            _ = waitUntil(timeout: timeout, every: 0.02) {
                let descriptor = open(path, O_RDONLY)
                guard descriptor >= 0 else { return false }
                defer { close(descriptor) }
                let held = flock(descriptor, LOCK_EX | LOCK_NB) != 0
                if !held { flock(descriptor, LOCK_UN) }
                return held
            }
        }

        func finish() {
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    @Test("kill -9 at many points: the next pass converges with no repeated call and no unaudited one")
    func killNineConverges() throws {
        let setup = try Setup(emulatorFlags: ["--latency", "150ms"])
        defer { setup.finish() }
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 9))
        let delays = (0..<10).map { _ in Double(random.next() % 900) / 1000 }
        for (round, delay) in delays.enumerated() {
            let at = Self.roundInstant(round)
            let process = try setup.start(at: at)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Let a request the killed process left in flight finish at the emulator, as a
            // minute between timer ticks would.
            #expect(try setup.emulator.waitUntilNothingInFlight(), "round \(round): a request never finished")
            let recovery = try setup.tick(at: at)
            #expect(recovery.status == 0, "round \(round) after \(delay)s: \(recovery.stdout) \(recovery.stderr)")
        }
        let final = try setup.tick(at: Self.roundInstant(delays.count - 1))
        #expect(final.status == 0, "\(final.stderr)")
        // Every accepted POST has exactly one intent recorded before it.
        let intents =
            Int(try setup.sqlite("SELECT count(*) FROM event WHERE kind IN ('pause_intent','resume_intent');")) ?? -1
        let accepted = try setup.acceptedPosts().values.reduce(0, +)
        let notApplied = Int(try setup.sqlite("SELECT count(*) FROM event WHERE outcome = 'not_applied';")) ?? -1
        #expect(intents == accepted + notApplied, "intents \(intents), accepted \(accepted), not applied \(notApplied)")
        #expect(
            try setup.sqlite(
                "SELECT count(*) FROM event i WHERE i.kind IN ('pause_intent','resume_intent') AND NOT EXISTS (SELECT 1 FROM event o WHERE o.intent_id = i.id);"
            ) == "0")
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test("kill -9 between send and answer, 20 times: every job the cloud created is named in the trail")
    func everyJobIsInTheTrail() throws {
        // Wide latency, so a kill often lands after the emulator took the POST and before its answer.
        let setup = try Setup(emulatorFlags: ["--latency", "400ms", "--job-delay", "200ms"])
        defer { setup.finish() }
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 20))
        for round in 0..<20 {
            let at = Self.roundInstant(round)
            let process = try setup.start(at: at)
            Thread.sleep(forTimeInterval: 0.45 + Double(random.next() % 500) / 1000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(try setup.emulator.waitUntilNothingInFlight(), "round \(round): a request never finished")
            let recovery = try setup.tick(at: at)
            #expect(recovery.status == 0, "round \(round): \(recovery.stdout) \(recovery.stderr)")
        }
        struct State: Decodable {
            struct Job: Decodable { var id: String }
            var jobs: [Job]
        }
        let state = try JSONDecoder().decode(State.self, from: try setup.emulator.control("GET", "state"))
        let named = Set(
            try setup.sqlite("SELECT DISTINCT job_id FROM event WHERE job_id IS NOT NULL;").split(separator: "\n")
                .map(String.init))
        let missing = state.jobs.map(\.id).filter { !named.contains($0) }
        #expect(!state.jobs.isEmpty)
        #expect(missing.isEmpty, "\(missing.count) of \(state.jobs.count) jobs not in the trail: \(missing)")
        let settledWithJob = try setup.sqlite(
            "SELECT count(*) FROM event WHERE outcome = 'landed' AND job_id IS NOT NULL;")
        print("every job in the trail: \(state.jobs.count) jobs, \(settledWithJob) found through the jobs list")
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test("racing invocations act once: one accepted POST per instance")
    func racingInvocationsActOnce() throws {
        let setup = try Setup(emulatorFlags: ["--latency", "100ms"])
        defer { setup.finish() }
        let processes = try (0..<3).map { _ in try setup.start() }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 }, "\(processes.map(\.terminationStatus))")
        let posts = try setup.acceptedPosts()
        #expect(posts.count == 4)
        #expect(posts.values.allSatisfy { $0 == 1 }, "\(posts)")
    }

    @Test("an invocation that cannot get a pair's lock soon gives up with exit 75", .sqliteTrailOnly)
    func lockContentionExits75() throws {
        let setup = try Setup(emulatorFlags: ["--latency", "700ms"])
        defer { setup.finish() }
        let holder = try setup.start()
        setup.waitUntilLocked()
        let loser = try setup.tick(["--lock-timeout", "0.1"])
        holder.waitUntilExit()
        #expect(holder.terminationStatus == 0)
        #expect(loser.status == 75, "\(loser.stdout) \(loser.stderr)")
    }

    @Test("secrets appear nowhere: not on stdout, stderr (debug logs) or in the audit database", .sqliteTrailOnly)
    func secretsNeverLeak() throws {
        let setup = try Setup()
        defer { setup.finish() }
        var outputs = ""
        for arguments in [
            ["tick", "-v", "--at", Self.inWindow], ["tick", "-v", "--at", Self.afterWindow],
            ["status", "--format", "json"],
            ["audit", "--format", "csv"], ["check", "-v"],
        ] {
            let result = try BinaryRunner.run("syncwindow", arguments + ["--config", setup.config])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            outputs += result.stdout + result.stderr
        }
        #expect(outputs.contains("pause"))
        #expect(!outputs.contains(ConfigFixture.secretKey))
        let database = try Data(contentsOf: URL(fileURLWithPath: setup.fixture.stateDirectory + "/audit.sqlite"))
        let wal =
            (try? Data(contentsOf: URL(fileURLWithPath: setup.fixture.stateDirectory + "/audit.sqlite-wal"))) ?? Data()
        #expect(database.range(of: Data(ConfigFixture.secretKey.utf8)) == nil)
        #expect(wal.range(of: Data(ConfigFixture.secretKey.utf8)) == nil)
    }

    @Test("audit verify catches a row edited behind syncwindow's back", .sqliteTrailOnly)
    func verifyCatchesEditedRow() throws {
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        #expect(try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config]).status == 0)
        _ = try setup.sqlite(
            "DROP TRIGGER event_is_append_only_update; UPDATE event SET outcome = 'accepted', actor = 'mallory' WHERE id = 3;"
        )
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("BROKEN at row 3"), "\(verify.stderr)")
    }

    @Test("audit verify --metrics-file: 1 for an intact trail, 0 once a row was edited", .sqliteTrailOnly)
    func verifyMetricsFile() throws {
        let setup = try Setup()
        defer { setup.finish() }
        let path = setup.fixture.directory.url("verify.prom").path
        #expect(try setup.tick().status == 0)
        let verify = ["audit", "verify", "--config", setup.config, "--metrics-file", path]
        #expect(try BinaryRunner.run("syncwindow", verify).status == 0)
        let intact = try String(contentsOfFile: path, encoding: .utf8)
        #expect(intact.contains("syncwindow_audit_verify_success 1"), "\(intact)")
        #expect(intact.contains("syncwindow_audit_verify_timestamp_seconds "), "\(intact)")
        _ = try setup.sqlite(
            "DROP TRIGGER event_is_append_only_update; UPDATE event SET actor = 'mallory' WHERE id = 3;")
        #expect(try BinaryRunner.run("syncwindow", verify).status == 1)
        let broken = try String(contentsOfFile: path, encoding: .utf8)
        #expect(broken.contains("syncwindow_audit_verify_success 0"), "\(broken)")
    }

    @Test("--metrics-file writes the pass's outcome for Prometheus, drift included")
    func metricsFile() throws {
        let setup = try Setup()
        defer { setup.finish() }
        let path = setup.fixture.directory.url("syncwindow.prom").path
        #expect(try setup.tick(["--metrics-file", path]).status == 0)
        let paused = try String(contentsOfFile: path, encoding: .utf8)
        #expect(paused.contains("# TYPE syncwindow_pair_converged gauge"))
        #expect(paused.contains("syncwindow_pair_desired_paused{pair=\"orders\"} 1"))
        #expect(paused.contains("syncwindow_pair_live_paused{pair=\"sessions\",side=\"standby\"} 1"))
        #expect(paused.contains("syncwindow_last_pass_exit_code 0"))

        try setup.emulator.control("PUT", "instances/orders-primary-in12/status", body: #"{"status":"SYNCING"}"#)
        try setup.emulator.control("PUT", "instances/orders-standby-in12/status", body: #"{"status":"SYNCING"}"#)
        #expect(try setup.tick(["--metrics-file", path], at: "2026-12-01T01:45:00Z").status == 1)
        let drift = try String(contentsOfFile: path, encoding: .utf8)
        #expect(drift.contains("syncwindow_pair_drift{pair=\"orders\"} 1"))
        #expect(drift.contains("syncwindow_pair_converged{pair=\"orders\"} 0"))
        #expect(drift.contains("syncwindow_pair_converged{pair=\"sessions\"} 1"))
        #expect(drift.contains("syncwindow_last_pass_exit_code 1"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: setup.fixture.directory.path)
            .filter { $0.contains(".tmp.") }
        #expect(leftovers.isEmpty)
    }

    @Test("--metrics-file: a pair still paused after its window closed says for how long")
    func metricsPausedOutsideWindows() throws {
        let setup = try Setup()
        defer { setup.finish() }
        let path = setup.fixture.directory.url("syncwindow.prom").path
        #expect(try setup.tick(["--metrics-file", path]).status == 0)
        let inWindow = try String(contentsOfFile: path, encoding: .utf8)
        #expect(inWindow.contains("syncwindow_pair_paused_outside_windows_seconds{pair=\"orders\"} 0"), "\(inWindow)")
        #expect(inWindow.contains("syncwindow_audit_trail_protected 1"), "\(inWindow)")
        // Every resume job fails: 15 minutes after the 03:30 close both pairs are still paused.
        try setup.emulator.setFaults(failNextJobs: 4)
        #expect(try setup.tick(["--metrics-file", path], at: "2026-12-01T03:45:00Z").status == 1)
        let after = try String(contentsOfFile: path, encoding: .utf8)
        #expect(after.contains("syncwindow_pair_paused_outside_windows_seconds{pair=\"orders\"} 900"), "\(after)")
        #expect(after.contains("syncwindow_pair_paused_outside_windows_seconds{pair=\"sessions\"} 900"), "\(after)")
    }

    @Test(
        "--metrics-file: a pass refused before it runs still writes its exit status and an unprotected trail",
        .sqliteTrailOnly)
    func metricsOfARefusedPass() throws {
        let setup = try Setup()
        defer { setup.finish() }
        let path = setup.fixture.directory.url("syncwindow.prom").path
        #expect(try setup.tick(["--metrics-file", path]).status == 0)
        _ = try setup.sqlite("DROP TRIGGER event_is_append_only_update;")
        #expect(try setup.tick(["--metrics-file", path], at: Self.afterWindow).status == 2)
        let refused = try String(contentsOfFile: path, encoding: .utf8)
        #expect(refused.contains("syncwindow_last_pass_exit_code 2"), "\(refused)")
        #expect(refused.contains("syncwindow_audit_trail_protected 0"), "\(refused)")
        #expect(refused.contains("syncwindow_last_pass_timestamp_seconds "), "\(refused)")
        #expect(!refused.contains("syncwindow_pair_"), "\(refused)")
        // A configuration that does not load: exit 2 in the metrics, the trail's protection unknown (left out).
        try Data("state_dir: [\n".utf8).write(to: URL(fileURLWithPath: setup.config))
        #expect(try setup.tick(["--metrics-file", path], at: Self.afterWindow).status == 2)
        let invalid = try String(contentsOfFile: path, encoding: .utf8)
        #expect(invalid.contains("syncwindow_last_pass_exit_code 2"), "\(invalid)")
        #expect(!invalid.contains("syncwindow_audit_trail_protected"), "\(invalid)")
    }

    @Test("credentials the cloud refuses are a credential error: exit 2, and no POST")
    func refusedCredentialsExitTwo() throws {
        let setup = try Setup()
        defer { setup.finish() }
        try setup.fixture.directory.write("secrets/sk", "not-the-secret-key\n", mode: 0o600)
        let result = try setup.tick()
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(try setup.acceptedPosts().isEmpty)
        #expect(try setup.emulator.requests().filter { $0.status == 401 }.count <= 4, "no hammering on 401")
    }

    @Test("a bad config makes no API call at all")
    func badConfigCallsNothing() throws {
        let setup = try Setup()
        defer { setup.finish() }
        try setup.fixture.directory.write(
            "windows/zz-bad.yaml",
            "windows:\n  - name: bad\n    cron: \"0 25 * * *\"\n    duration: 1h\n    pairs: [orders]\n")
        let result = try setup.tick()
        #expect(result.status == 2)
        #expect(try setup.emulator.requests().isEmpty)
    }

    @Test("the emulator stops cleanly on SIGTERM")
    func emulatorStopsOnSigterm() throws {
        let setup = try Setup()
        defer { setup.fixture.directory.remove() }
        #expect(setup.emulator.stop() == 0)
    }
}
