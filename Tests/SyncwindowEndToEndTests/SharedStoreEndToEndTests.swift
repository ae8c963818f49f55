import Foundation
import SyncwindowTestSupport
import Testing

/// Several hosts (processes with their own `--host-id`) sharing one PostgreSQL store and one
/// emulator, as a team runs syncwindow with no single point of failure: racing at window
/// edges, killed and frozen mid-pass, and with the database restarted or gone.
@Suite("several hosts on one PostgreSQL store", .serialized, .enabled(if: PostgresServer.available))
struct SharedStoreEndToEndTests {
    static let inWindow = "2026-12-01T01:31:00Z"
    static let afterWindow = "2026-12-01T03:31:00Z"
    static let outsideWindow = "2026-12-01T12:00:00Z"
    static let instances = [
        "orders-primary-in12", "orders-standby-in12", "sessions-primary-in12", "sessions-standby-in12",
    ]

    struct Setup {
        let fixture: ConfigFixture
        let database: TestDatabase
        let emulator: SpawnedEmulator
        let config: String

        /// A 10 s lease (the shortest the config allows) with a 3 s margin, so takeovers happen within a test.
        /// `rehearsal`: a rehearsal store (the default), where passes run at fixed instants (`--at`).
        init(emulatorFlags: [String] = [], server: PostgresServer? = nil, rehearsal: Bool = true) throws {
            fixture = try ConfigFixture(storeFromEnvironment: false)
            database = try fixture.usePostgres(
                try (server ?? PostgresServer.shared()).makeDatabase(rehearsal: rehearsal),
                extra: "\n    lease: 10s\n    lease_margin: 3s")
            emulator = try SpawnedEmulator(
                configPath: fixture.configPath, flags: ["--job-delay", "0s"] + emulatorFlags)
            config = try fixture.configPointing(at: emulator.baseURL)
        }

        func arguments(host: String, at: String?, _ extra: [String]) -> [String] {
            ["tick", "--config", config, "--host-id", host, "--poll-interval", "0.05"]
                + (at.map { ["--at", $0] } ?? [])
                + extra
        }

        func tick(host: String, at: String?, _ extra: [String] = []) throws -> BinaryRunner.Result {
            try BinaryRunner.run("syncwindow", arguments(host: host, at: at, extra))
        }

        /// A tick in the background; its stderr goes to `stderrPath`.
        func start(host: String, at: String, _ extra: [String] = []) throws -> (Process, stderrPath: String) {
            let stderrPath = try fixture.directory.write("\(host)-\(UUID().uuidString.prefix(6)).stderr", "")
            let process = Process()
            process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
            process.arguments = arguments(host: host, at: at, extra)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
            try process.run()
            return (process, stderrPath)
        }

        /// Accepted pause/resume POSTs per instance.
        func acceptedPosts() throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for request in try emulator.requests() where request.method == "POST" && request.status == 202 {
                let instance = SharedStoreEndToEndTests.instances.first { request.path.contains($0) } ?? request.path
                counts[instance, default: 0] += 1
            }
            return counts
        }

        func sql(_ statement: String) throws -> String { try database.psql(statement) }

        /// Every call recorded before it was sent, each settled, every event naming its host, one chain.
        func expectAuditedAndIntact(_ comment: Comment? = nil) throws {
            let accepted = try acceptedPosts().values.reduce(0, +)
            let intents =
                Int(try sql("SELECT count(*) FROM event WHERE kind IN ('pause_intent','resume_intent')")) ?? -1
            let notApplied = Int(try sql("SELECT count(*) FROM event WHERE outcome = 'not_applied'")) ?? -1
            #expect(
                intents == accepted + notApplied, "intents \(intents), accepted \(accepted), not applied \(notApplied)")
            #expect(
                try sql(
                    """
                    SELECT count(*) FROM event i WHERE i.kind IN ('pause_intent','resume_intent')
                    AND NOT EXISTS (SELECT 1 FROM event o WHERE o.intent_id = i.id)
                    """) == "0", "an intent was left unsettled")
            #expect(try sql("SELECT count(*) FROM event WHERE host IS NULL") == "0", "an event names no host")
            let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", config])
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        }

        /// Waits until `host` holds the leases of every pair (`toRunOut`: of none any more, by the store's clock).
        func waitForLeases(of host: String, toRunOut: Bool = false, timeout: TimeInterval = 10) -> Bool {
            waitUntil(timeout: timeout, every: 0.02) {
                // Until the tick has migrated the database, there is no lease table to ask.
                (try? sql("SELECT count(*) FROM pair_lease WHERE host = '\(host)' AND expires_at > clock_timestamp()"))
                    == (toRunOut ? "0" : "2")
            }
        }

        func finish() {
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    @Test("three hosts ticking at once: each pair acted on once, one POST per instance, one chain naming the hosts")
    func racingHosts() throws {
        let setup = try Setup(emulatorFlags: ["--latency", "100ms"])
        defer { setup.finish() }
        for at in [Self.inWindow, Self.afterWindow] {
            let ticks = try ["alpha", "beta", "gamma"].map { try setup.start(host: $0, at: at) }
            for (process, _) in ticks { process.waitUntilExit() }
            #expect(ticks.map(\.0.terminationStatus) == [0, 0, 0], "every host finds the pairs converged")
        }
        #expect(try setup.acceptedPosts() == Dictionary(uniqueKeysWithValues: Self.instances.map { ($0, 2) }))
        try setup.expectAuditedAndIntact()
        let hosts = Set(try setup.sql("SELECT DISTINCT host FROM event").split(separator: "\n").map(String.init))
        #expect(hosts.isSubset(of: ["alpha", "beta", "gamma"]) && !hosts.isEmpty)
        let tokens = try setup.sql("SELECT min(token) FROM pair_lease")
        #expect((Int(tokens) ?? 0) >= 2, "each pass took each pair's lease anew")
    }

    @Test("an override set on one host holds on every host")
    func overrideFromAnyHost() throws {
        let setup = try Setup()
        defer { setup.finish() }
        let set = try BinaryRunner.run(
            "syncwindow",
            [
                "override", "pause", "orders", "--for", "1h", "--reason", "incident 42", "--config", setup.config,
                "--host-id", "alpha", "--at", Self.outsideWindow,
            ])
        #expect(set.status == 0, "\(set.stderr)")
        // Outside any window (a fixed instant: the wall clock could fall inside the nightly window),
        // beta's pass keeps orders paused for alpha's override.
        let tick = try setup.tick(host: "beta", at: Self.outsideWindow)
        #expect(tick.status == 0, "\(tick.stderr)")
        #expect(try setup.emulator.status(of: "orders-primary-in12") == "SUSPENDED")
        #expect(try setup.emulator.status(of: "sessions-primary-in12") == "SYNCING")
        let status = try BinaryRunner.run(
            "syncwindow",
            ["status", "--config", setup.config, "--format", "json", "--host-id", "gamma", "--at", Self.outsideWindow])
        #expect(status.stdout.contains("incident 42"))
        #expect(try setup.sql("SELECT host FROM event WHERE kind = 'override_set'") == "alpha")
        try setup.expectAuditedAndIntact()
    }

    @Test("a host frozen past its lease: another takes over, and the frozen one sends nothing when it wakes")
    func frozenHostSendsNothing() throws {
        // Slow answers, so the first host is caught between taking the leases and its first call.
        let setup = try Setup(emulatorFlags: ["--latency", "1500ms"])
        defer { setup.finish() }
        let (frozen, frozenErrors) = try setup.start(host: "alpha", at: Self.inWindow)
        try #require(setup.waitForLeases(of: "alpha"), "alpha never took the leases")
        kill(frozen.processIdentifier, SIGSTOP)
        // Until alpha's leases (10 s, renewed at most a third of that ago) have run out by the store's clock.
        #expect(
            setup.waitForLeases(of: "alpha", toRunOut: true, timeout: 15), "alpha's leases outlived the frozen host")
        let takeover = try setup.tick(host: "beta", at: Self.inWindow, ["--lock-timeout", "15"])
        #expect(takeover.status == 0, "\(takeover.stdout) \(takeover.stderr)")
        let postsByBeta = try setup.acceptedPosts()
        #expect(postsByBeta == Dictionary(uniqueKeysWithValues: Self.instances.map { ($0, 1) }))

        kill(frozen.processIdentifier, SIGCONT)
        frozen.waitUntilExit()
        // The woken host gives up: 75 ("lost the lease", as for a lock held elsewhere), or 1 when the
        // freeze outlasted the database deadline it was waiting on (docs/multi-host.md); either way
        // it sends nothing, which is what the rest asserts.
        let stderr = (try? String(contentsOfFile: frozenErrors, encoding: .utf8)) ?? ""
        switch frozen.terminationStatus {
        case 75: #expect(stderr.contains("lease"), "\(stderr)")
        case 1: #expect(stderr.contains("no answer within"), "\(stderr)")
        default: Issue.record("the woken host exited \(frozen.terminationStatus): \(stderr)")
        }
        #expect(try setup.acceptedPosts() == postsByBeta, "the woken host sent a call without its lease")
        #expect(
            try setup.sql(
                "SELECT count(*) FROM event WHERE host = 'alpha' AND kind IN ('pause_intent','resume_intent')") == "0")
        try setup.expectAuditedAndIntact()
    }

    @Test("kill -9 mid-pass: the next host takes over once the lease runs out, settles what was left, calls once")
    func killedHostIsTakenOver() throws {
        let setup = try Setup(emulatorFlags: ["--latency", "300ms"])
        defer { setup.finish() }
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 91))
        for (round, at) in [Self.inWindow, Self.afterWindow].enumerated() {
            let (victim, _) = try setup.start(host: "alpha", at: at)
            try #require(setup.waitForLeases(of: "alpha"))
            Thread.sleep(forTimeInterval: 0.2 + Double(random.next() % 800) / 1000)
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            let takeover = try setup.tick(host: "beta", at: at, ["--lock-timeout", "15"])
            #expect(takeover.status == 0, "round \(round): \(takeover.stdout) \(takeover.stderr)")
        }
        // A kill between the two sides of a pause or resume leaves both sides SUSPENDING or
        // RECOVERYING until the other side is called: the next pass calls that side. Calls
        // alternate per instance; what must never happen is the same call twice in a row.
        let landed = try setup.sql(
            """
            SELECT pair || '-' || side || '-in12', kind FROM event
            WHERE kind IN ('pause_outcome','resume_outcome') AND outcome IN ('accepted','landed') ORDER BY id
            """
        ).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        var callsByInstance: [String: [String]] = [:]
        for row in landed { callsByInstance[row[0], default: []].append(row[1]) }
        for (instance, calls) in callsByInstance {
            #expect(calls.first == "pause_outcome" && calls.last == "resume_outcome", "\(instance): \(calls)")
            #expect(
                zip(calls, calls.dropFirst()).allSatisfy { $0 != $1 }, "\(instance) got the same call twice: \(calls)")
        }
        let posts = try setup.acceptedPosts()
        #expect(posts == callsByInstance.mapValues(\.count), "every call the cloud took is in the trail once")
        for instance in Self.instances { #expect(try setup.emulator.status(of: instance) == "SYNCING") }
        try setup.expectAuditedAndIntact()
    }

    /// Starts alpha's pass and returns once it holds the leases and has recorded an intent.
    static func startUntilIntent(_ setup: Setup) throws -> (Process, stderrPath: String) {
        let started = try setup.start(host: "alpha", at: Self.inWindow)
        try #require(setup.waitForLeases(of: "alpha"))
        try #require(
            waitUntil(timeout: 10, every: 0.02) {
                let intents = try? setup.sql(
                    "SELECT count(*) FROM event WHERE kind IN ('pause_intent','resume_intent')")
                return (intents.flatMap { Int($0) } ?? 0) > 0
            })
        return started
    }

    @Test("PostgreSQL restarted mid-pass: no unaudited call, and the next pass converges")
    func databaseRestartMidPass() throws {
        let server = try PostgresServer.startPrivate()
        defer { server.remove() }
        let setup = try Setup(emulatorFlags: ["--latency", "700ms"], server: server)
        defer { setup.finish() }
        // Once alpha has recorded an intent: its call is on the way (700 ms answers).
        let (tick, tickErrors) = try Self.startUntilIntent(setup)
        try server.halt()
        // Down until the cloud has answered that call, so its outcome finds no database (or alpha gave up).
        _ = try waitUntil(timeout: 10, every: 0.02) {
            let posted = try !setup.emulator.requests().filter { $0.method == "POST" }.isEmpty
            return try !tick.isRunning || (posted && setup.emulator.requestsInFlight() == 0)
        }
        try server.resume()
        tick.waitUntilExit()
        let stderr = (try? String(contentsOfFile: tickErrors, encoding: .utf8)) ?? ""
        #expect([0, 1, 75].contains(tick.terminationStatus), "\(stderr)")
        // The next pass (after the dead host's leases run out) finishes the job.
        let next = try setup.tick(host: "beta", at: Self.inWindow, ["--lock-timeout", "15"])
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        for instance in Self.instances { #expect(try setup.emulator.status(of: instance) == "SUSPENDED") }
        #expect(try setup.acceptedPosts().values.allSatisfy { $0 == 1 })
        try setup.expectAuditedAndIntact()
    }

    @Test("PostgreSQL frozen mid-pass: the pass gives up within its deadlines instead of hanging; the next converges")
    func databaseFrozenMidPass() throws {
        let server = try PostgresServer.startPrivate()
        defer { server.remove() }
        let setup = try Setup(emulatorFlags: ["--latency", "700ms"], server: server)
        defer { setup.finish() }
        // Once alpha has recorded an intent: its call is on the way (700 ms answers).
        let (tick, tickErrors) = try Self.startUntilIntent(setup)
        // Connections stay open and nothing answers: every wait on the database must be bounded (a pool
        // whose shutdown never ends, an operation that ignores cancellation), or the tick never exits and
        // systemd starts no later one.
        try server.freeze()
        let exited = waitUntil(timeout: 120, every: 0.1) { !tick.isRunning }
        try server.thaw()
        if !exited { tick.terminate() }
        tick.waitUntilExit()
        let stderr = (try? String(contentsOfFile: tickErrors, encoding: .utf8)) ?? ""
        #expect(exited, "the tick still ran 120 s after PostgreSQL froze")
        #expect([1, 75].contains(tick.terminationStatus), "\(stderr)")
        let next = try setup.tick(host: "beta", at: Self.inWindow, ["--lock-timeout", "15"])
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        for instance in Self.instances { #expect(try setup.emulator.status(of: instance) == "SUSPENDED") }
        #expect(try setup.acceptedPosts().values.allSatisfy { $0 == 1 })
        try setup.expectAuditedAndIntact()
    }

    @Test("PostgreSQL unreachable: the pass exits 1 with one line, and calls nothing")
    func databaseUnreachable() throws {
        let server = try PostgresServer.startPrivate()
        defer { server.remove() }
        let setup = try Setup(server: server)
        defer { setup.finish() }
        try server.halt()
        let tick = try setup.tick(host: "alpha", at: Self.inWindow)
        #expect(tick.status == 1)
        let lines = tick.stderr.split(separator: "\n")
        #expect(
            lines.count == 1 && lines[0].contains("unavailable") && lines[0].contains("connection refused"),
            "\(tick.stderr)")
        #expect(try setup.emulator.requests().isEmpty, "a call went out with no store to record it")
        #expect(!tick.stderr.contains(PostgresServer.rolePassword))
        try server.resume()
    }

    @Test("audit migrate copies a SQLite trail into an empty store, chain intact, and passes carry on there")
    func migrateFromSQLite() throws {
        let setup = try Setup()
        defer { setup.finish() }
        // A SQLite trail: the same config without its store block.
        let text = try String(contentsOfFile: setup.config, encoding: .utf8)
        let sqliteConfig = try setup.fixture.directory.write(
            "config-sqlite.yaml", String(text[..<text.range(of: "store:")!.lowerBound]))
        // Passes of alpha, the host that migrates its trail and then carries on with `store:` added
        // (a configuration it changed itself, so it puts it into effect: docs/hosts-that-disagree.md).
        for at in [Self.inWindow, Self.afterWindow] {
            let tick = try BinaryRunner.run(
                "syncwindow",
                ["tick", "--config", sqliteConfig, "--host-id", "alpha", "--at", at, "--poll-interval", "0.05"])
            #expect(tick.status == 0, "\(tick.stderr)")
        }
        func head(_ verify: BinaryRunner.Result) -> String? {
            verify.stdout.components(separatedBy: "head ").last?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let before = head(try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", sqliteConfig]))
        let migrate = try BinaryRunner.run(
            "syncwindow", ["audit", "migrate", "--config", setup.config, "--from-sqlite", setup.fixture.stateDirectory])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        // The SQLite trail now ends with its `trail_moved` mark, linked to the old head; the copy ends there too.
        let sqliteVerify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", sqliteConfig])
        let marked = head(sqliteVerify)
        #expect(marked != nil && migrate.stdout.contains(marked!), "\(migrate.stdout) vs \(sqliteVerify.stdout)")
        #expect(
            try setup.sql("SELECT prev_hash FROM event WHERE kind = 'trail_moved'") == before,
            "the mark follows the trail's head before the migration")
        let again = try BinaryRunner.run(
            "syncwindow", ["audit", "migrate", "--config", setup.config, "--from-sqlite", setup.fixture.stateDirectory])
        #expect(again.status == 2 && again.stderr.contains("empty store only"), "\(again.stderr)")
        let tick = try setup.tick(host: "alpha", at: "2026-12-02T01:31:00Z")
        #expect(tick.status == 0, "\(tick.stderr)")
        try setup.expectAuditedAndIntact()
    }
}
