import Foundation
import Logging
import Synchronization
import SyncwindowConfig
import SyncwindowPostgres
import SyncwindowTestSupport
import Testing

@testable import SyncwindowAudit

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)

/// Each `AuditStoring` driver, so every test below runs against all three.
enum AuditDriver: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, memory, postgres

    var testDescription: String { rawValue }

    /// Runs `body` on a fresh, empty store of this driver; the SQLite one's directory is removed
    /// after, and the PostgreSQL one is a new database of the test server.
    func withStore(_ body: (any AuditStoring) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await body(InMemoryAuditStore(wallClock: { t0 }))
        case .sqlite:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try await body(AuditStore.open(stateDirectory: directory.url("state").path, wallClock: { t0 }))
        case .postgres:
            let database = try PostgresServer.shared().makeDatabase()
            try await PostgresBackend.with(database.settings, password: PostgresServer.rolePassword, logger: quiet) {
                backend in
                let store = try await PostgresAuditStore.open(backend, wallClock: { t0 })
                TestDatabases.register(database, for: store.location)
                try await body(store)
            }
        }
    }
}

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// The test database behind each PostgreSQL store, so a test can reach under the store's API.
enum TestDatabases {
    private static let byLocation = Mutex<[String: TestDatabase]>([:])

    static func register(_ database: TestDatabase, for location: String) {
        byLocation.withLock { $0[location] = database }
    }

    static func database(at location: String) -> TestDatabase? {
        byLocation.withLock { $0[location] }
    }
}

private func event(
    _ kind: AuditKind, pair: String? = "orders", side: PairSide? = nil, window: String? = nil,
    outcome: String? = nil, detail: String? = nil, intentID: Int64? = nil, at seconds: Double = 0
) -> NewAuditEvent {
    NewAuditEvent(
        at: t0.addingTimeInterval(seconds), pair: pair, side: side, window: window, kind: kind, outcome: outcome,
        actor: "syncwindow", detail: detail, intentID: intentID)
}

@Suite("AuditStoring, on every driver")
struct AuditStoringTests {
    @Test(
        "read is one snapshot: an append made while it runs is not seen, and is after it",
        arguments: AuditDriver.allCases)
    func readIsOneSnapshot(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await Self.holdsSnapshot(reading: store, writing: store)
        }
    }

    @Test("a reading command's SQLite store reads one snapshot too, while a pass appends")
    func readOnlySQLiteIsOneSnapshot() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.url("state").path
        let writer = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        try await writer.append(event(.drift))
        try await Self.holdsSnapshot(reading: AuditStore.openForReading(stateDirectory: state), writing: writer)
    }

    /// Inside one `read`, a pair appended by `writing` after the first question is in none of the answers.
    static func holdsSnapshot(reading: any AuditStoring, writing: any AuditStoring) async throws {
        try await writing.append(event(.drift, pair: "before"))
        let (first, second) = try await reading.read { reader in
            let first = try await reader.pairNames()
            try await writing.append(event(.drift, pair: "during"))
            return (first, try await reader.pairNames())
        }
        #expect(first.contains("before") && !first.contains("during"))
        #expect(second == first)
        #expect(try await reading.pairNames().contains("during"))
    }

    @Test("appends come back in order, ids from 1, each row linked to the one before", arguments: AuditDriver.allCases)
    func appendOrderAndChain(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            let batch = try await store.append((0..<4).map { event(.drift, detail: "d\($0)", at: Double($0)) })
            let single = try await store.append(event(.error, detail: "last", at: 9))
            let stored = batch + [single]
            #expect(stored.map(\.id) == [1, 2, 3, 4, 5])
            #expect(stored[0].previousHash == AuditChain.genesis)
            for index in 1..<stored.count { #expect(stored[index].previousHash == stored[index - 1].hash) }
            #expect(try await store.events() == stored)
            #expect(try await store.append([]).isEmpty)
        }
    }

    @Test("the chain's hashes are the shipped format: same head on every driver", arguments: AuditDriver.allCases)
    func identicalHeadHash(driver: AuditDriver) async throws {
        // Computed independently (a Python re-implementation of `AuditChain.hash`): a change to
        // the hashed columns or their encoding breaks every stored trail, and this test.
        let golden = "0b4e07d53782a1d3aaf71294d5eec044480e85ed2e69f8b974f8e02e5032e519"
        try await driver.withStore { store in
            var intent = event(.pauseIntent, side: .primary, window: "nightly")
            intent.reason = "window nightly"
            var outcome = intent
            outcome.kind = .pauseOutcome
            outcome.outcome = "accepted"
            outcome.intentID = 1
            try await store.append([intent, outcome])
            #expect(try await store.verify() == .intact(count: 2, headHash: golden))
        }
    }

    @Test("latest honours each filter and ignores other pairs", arguments: AuditDriver.allCases)
    func latestFilters(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append([
                event(.pauseOutcome, side: .primary, window: "nightly", outcome: "accepted"),  // 1
                event(.pauseOutcome, side: .standby, window: "weekly", outcome: "failed"),  // 2
                event(.drift, side: .primary),  // 3
                event(.pauseOutcome, pair: "sessions", side: .primary, outcome: "accepted"),  // 4
                event(.pauseOutcome, pair: nil, outcome: "accepted"),  // 5
            ])
            func latest(
                _ kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [String]? = nil
            ) async throws -> Int64? {
                let viaReader = try await store.read {
                    try await $0.latest(pair: "orders", kinds: kinds, side: side, window: window, outcomes: outcomes)
                }
                let viaStore = try await store.latest(
                    pair: "orders", kinds: kinds, side: side, window: window, outcomes: outcomes)
                #expect(viaReader == viaStore)
                return viaStore?.id
            }
            #expect(try await latest([.pauseOutcome]) == 2)
            #expect(try await latest([.pauseOutcome, .drift]) == 3)
            #expect(try await latest([.pauseOutcome], side: .primary) == 1)
            #expect(try await latest([.pauseOutcome], window: "nightly") == 1)
            #expect(try await latest([.pauseOutcome], outcomes: ["accepted"]) == 1)
            #expect(try await latest([.pauseOutcome], outcomes: ["accepted", "failed"]) == 2)
            #expect(try await latest([.pauseOutcome], outcomes: []) == nil)
            #expect(try await latest([.drift], window: "nightly") == nil)
            #expect(try await latest([.jobFailed]) == nil)
            #expect(try await latest([]) == nil)
        }
    }

    @Test("an intent stays unsettled until an outcome names it", arguments: AuditDriver.allCases)
    func unsettledIntents(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append([
                event(.pauseIntent, side: .primary),  // 1
                event(.resumeIntent, side: .standby),  // 2
                event(.pauseIntent, pair: "sessions"),  // 3
                event(.pauseOutcome, side: .primary, outcome: "accepted", intentID: 1),  // 4
            ])
            #expect(try await store.unsettledIntents(pair: "orders").map(\.id) == [2])
            #expect(try await store.read { try await $0.unsettledIntents(pair: "sessions") }.map(\.id) == [3])
            try await store.append(event(.resumeOutcome, pair: "sessions", outcome: "accepted", intentID: 3))
            #expect(try await store.unsettledIntents(pair: "sessions").isEmpty)
        }
    }

    @Test(
        "intents are looked for after the newest settled one: a year of settled nights is not re-probed",
        arguments: AuditDriver.allCases)
    func unsettledAfterNewestSettled(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            // Nights of settled calls, then a pass killed between its two pauses.
            for night in 0..<5 {
                let intent = try await store.append(event(.pauseIntent, side: .primary, at: Double(night)))
                try await store.append(
                    event(.pauseOutcome, side: .primary, outcome: "accepted", intentID: intent.id, at: Double(night)))
            }
            let first = try await store.append(event(.pauseIntent, side: .primary, at: 10))
            try await store.append(event(.pauseOutcome, side: .primary, outcome: "accepted", intentID: first.id))
            let open = try await store.append(event(.resumeIntent, side: .standby, at: 11))
            let another = try await store.append(event(.pauseIntent, side: .standby, at: 12))
            #expect(try await store.unsettledIntents(pair: "orders").map(\.id) == [open.id, another.id])
            // Settling the newer one first (never done by a pass, which settles oldest first)
            // hides the older: the drivers look after the newest settled intent only.
            try await store.append(event(.pauseOutcome, side: .standby, outcome: "landed", intentID: another.id))
            #expect(try await store.unsettledIntents(pair: "orders").isEmpty)
        }
    }

    @Test(
        "status caches written by many pairs at once: every pair's row lands, NULLs and all",
        arguments: AuditDriver.allCases)
    func statusCachesConcurrently(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            let pairs = (0..<300).map { "pair-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, pair) in pairs.enumerated() {
                    group.addTask {
                        let odd = index % 2 == 1
                        try await store.recordObservation(
                            pair: pair,
                            LiveObservation(
                                primary: odd ? nil : "p\(index)", standby: odd ? "s\(index)" : nil,
                                observedAt: t0.addingTimeInterval(Double(index))))
                        try await store.recordPassOutcome(
                            pair: pair,
                            PassOutcome(
                                at: t0.addingTimeInterval(Double(index)), problem: odd ? "problem \(index)" : nil))
                    }
                }
                try await group.waitForAll()
            }
            let observations = try await store.observations()
            let outcomes = try await store.passOutcomes()
            #expect(observations.count == 300 && outcomes.count == 300)
            for (index, pair) in pairs.enumerated() {
                let odd = index % 2 == 1
                let at = t0.addingTimeInterval(Double(index))
                #expect(
                    observations[pair]
                        == LiveObservation(
                            primary: odd ? nil : "p\(index)", standby: odd ? "s\(index)" : nil, observedAt: at))
                #expect(outcomes[pair] == PassOutcome(at: at, problem: odd ? "problem \(index)" : nil))
            }
        }
    }

    @Test("latestUnpaired: the configuration with the latest at not after the instant", arguments: AuditDriver.allCases)
    func latestUnpaired(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append([
                event(.configuration, pair: nil, detail: "a", at: 100),  // 1
                event(.configuration, pair: nil, detail: "b", at: 300),  // 2
                event(.configuration, pair: nil, detail: "c", at: 200),  // 3: a rehearsal back in time
                event(.configuration, pair: "orders", detail: "paired", at: 250),  // 4: names a pair
                event(.passStarted, pair: nil, at: 260),  // 5: another kind
                event(.configuration, pair: nil, detail: "d", at: 200),  // 6: same at as 3, higher id
            ])
            func inForce(_ seconds: Double) async throws -> Int64? {
                try await store.read {
                    try await $0.latestUnpaired(kind: .configuration, atOrBefore: t0.addingTimeInterval(seconds))
                }?.id
            }
            #expect(try await inForce(50) == nil)
            #expect(try await inForce(100) == 1)
            #expect(try await inForce(299) == 6)
            #expect(try await inForce(1_000) == 2)
        }
    }

    @Test("pairTrail answers what the questions one at a time answer", arguments: AuditDriver.allCases)
    func pairTrailMatchesOneByOne(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append([
                event(.windowOpened, window: "nightly"),  // 1
                event(.pauseIntent, side: .primary),  // 2
                event(.pauseOutcome, side: .primary, outcome: "accepted", intentID: 2),  // 3
                event(.overrideSet, outcome: "paused"),  // 4
                event(.pauseIntent, side: .standby),  // 5: unsettled
                event(.drift, side: .standby, outcome: "released"),  // 6
                event(.windowOpened, window: "weekly"),  // 7
                event(.windowClosed, window: "nightly"),  // 8
                event(.overrideCleared, pair: "sessions"),  // 9
                event(.jobFailed, side: .primary, outcome: "failed", detail: "resume"),  // 10
            ])
            let questions = [
                LatestEventQuestion(kinds: [.overrideSet, .overrideCleared, .overrideExpired]),
                LatestEventQuestion(
                    kinds: [.pauseOutcome, .resumeOutcome, .jobFailed, .drift], side: .primary,
                    outcomes: ["accepted", "landed", "failed", "released"]),
                LatestEventQuestion(
                    kinds: [.pauseOutcome, .resumeOutcome, .jobFailed, .drift], side: .standby,
                    outcomes: ["accepted", "landed", "failed", "released"]),
                LatestEventQuestion(kinds: [.drift], outcomes: ["released"]),
                LatestEventQuestion(kinds: [.windowOpened], window: "nightly"),
                LatestEventQuestion(kinds: [.resumeOutcome]),
                LatestEventQuestion(kinds: []),
                // Kinds asked by more than one question (one probe may answer both).
                LatestEventQuestion(kinds: [.overrideSet, .pauseOutcome]),
                LatestEventQuestion(kinds: [.pauseOutcome]),
            ]
            let together = try await store.pairTrail(pair: "orders", latest: questions)
            let inSnapshot = try await store.read { try await $0.pairTrail(pair: "orders", latest: questions) }
            let oneByOne = try await store.read { try await $0.pairTrailOneByOne(pair: "orders", latest: questions) }
            #expect(together.latest.map { $0?.id } == [4, 10, 6, 6, 1, nil, nil, 4, 3])
            #expect(together.unsettledIntents.map(\.id) == [5])
            #expect(together.openWindowEdges.map(\.id) == [7])
            for answers in [inSnapshot, oneByOne] {
                #expect(answers.latest.map { $0?.id } == together.latest.map { $0?.id })
                #expect(answers.unsettledIntents.map(\.id) == together.unsettledIntents.map(\.id))
                #expect(answers.openWindowEdges.map(\.id) == together.openWindowEdges.map(\.id))
            }
            #expect(together.latest[0]?.event == (try await store.events(AuditQuery(pair: "orders")))[3].event)
        }
    }

    @Test("open window edges: opens with no later close, among the recent edges only", arguments: AuditDriver.allCases)
    func openWindowEdges(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append([
                event(.windowOpened, window: "ancient"),  // 1: beyond the recent edges by the end
                event(.windowOpened, window: "nightly"),  // 2
                event(.windowOpened, window: "weekly"),  // 3
                event(.windowClosed, window: "nightly"),  // 4
                event(.windowOpened, pair: "sessions", window: "nightly"),  // 5
            ])
            #expect(try await store.read { try await $0.openWindowEdges(pair: "orders") }.map(\.id) == [1, 3])
            #expect(try await store.read { try await $0.openWindowEdges(pair: "sessions") }.map(\.id) == [5])
            // Closed edges of another window push "ancient" out of the window of recent edges.
            let filler = AuditWindowEdges.recentLimit - 3
            try await store.append((0..<filler).map { _ in event(.windowClosed, window: "hourly") })
            #expect(try await store.read { try await $0.openWindowEdges(pair: "orders") }.map(\.id) == [3])
        }
    }

    @Test("pair names: each once, sorted by bytes, without NULL or empty", arguments: AuditDriver.allCases)
    func pairNames(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append(["b", "é", nil, "a", "", "Z", "b"].map { event(.drift, pair: $0) })
            #expect(try await store.read { try await $0.pairNames() } == ["Z", "a", "b", "é"])
        }
    }

    @Test("hasEvent matches pair, window, kind and detail together", arguments: AuditDriver.allCases)
    func hasEvent(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append(event(.windowOpened, window: "nightly", detail: "2026-12-01T01:00"))
            #expect(
                try await store.hasEvent(
                    pair: "orders", window: "nightly", kind: .windowOpened, detail: "2026-12-01T01:00"))
            #expect(
                try await !store.hasEvent(
                    pair: "orders", window: "nightly", kind: .windowOpened, detail: "2026-12-02T01:00"))
            #expect(
                try await !store.hasEvent(
                    pair: "orders", window: "weekly", kind: .windowOpened, detail: "2026-12-01T01:00"))
            #expect(
                try await !store.hasEvent(
                    pair: "orders", window: "nightly", kind: .windowClosed, detail: "2026-12-01T01:00"))
            #expect(
                try await !store.hasEvent(
                    pair: "other", window: "nightly", kind: .windowOpened, detail: "2026-12-01T01:00"))
            // The snapshot reader's answer is the store's (PostgreSQL asks each its own way).
            #expect(
                try await store.read {
                    try await $0.hasEvent(
                        pair: "orders", window: "nightly", kind: .windowOpened, detail: "2026-12-01T01:00")
                })
        }
    }

    @Test(
        "observations and pass outcomes are replaced per pair, times to the millisecond",
        arguments: AuditDriver.allCases)
    func statusCaches(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            let later = t0.addingTimeInterval(60.000_4)
            try await store.recordObservation(
                pair: "orders", LiveObservation(primary: "x", standby: nil, observedAt: t0))
            try await store.recordObservation(
                pair: "orders", LiveObservation(primary: "ok", standby: nil, observedAt: later))
            try await store.recordObservation(
                pair: "sessions", LiveObservation(primary: nil, standby: "p", observedAt: t0))
            try await store.recordPassOutcome(pair: "orders", PassOutcome(at: t0, problem: "timeout"))
            try await store.recordPassOutcome(pair: "orders", PassOutcome(at: later, problem: nil))
            let rounded = t0.addingTimeInterval(60)
            #expect(
                try await store.observations() == [
                    "orders": LiveObservation(primary: "ok", standby: nil, observedAt: rounded),
                    "sessions": LiveObservation(primary: nil, standby: "p", observedAt: t0),
                ])
            #expect(try await store.passOutcomes() == ["orders": PassOutcome(at: rounded, problem: nil)])
        }
    }

    @Test("queries filter by since (inclusive), until (exclusive), pair and kinds", arguments: AuditDriver.allCases)
    func queries(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append([
                event(.drift, at: 0), event(.error, pair: "sessions", at: 1), event(.drift, at: 2),
                event(.skipped, pair: nil, at: 3), event(.error, at: 4),
            ])
            func ids(_ query: AuditQuery) async throws -> [Int64] { try await store.events(query).map(\.id) }
            #expect(try await ids(AuditQuery(since: t0.addingTimeInterval(2))) == [3, 4, 5])
            // Times compare at the stored millisecond, as the text in SQLite does.
            #expect(try await ids(AuditQuery(since: t0.addingTimeInterval(2.000_4))) == [3, 4, 5])
            #expect(try await ids(AuditQuery(until: t0.addingTimeInterval(2))) == [1, 2])
            #expect(try await ids(AuditQuery(pair: "orders")) == [1, 3, 5])
            #expect(try await ids(AuditQuery(kinds: [.error, .skipped])) == [2, 4, 5])
            #expect(try await ids(AuditQuery(kinds: [])) == [])
            let all = AuditQuery(
                since: t0.addingTimeInterval(1), until: t0.addingTimeInterval(5), pair: "orders",
                kinds: [.drift, .error])
            #expect(try await ids(all) == [3, 5])
        }
    }
}

/// Edits behind the chain's back: with `sqlite3` on the file (append-only triggers
/// dropped first, as an attacker would), or with the in-memory store's test hook.
enum AuditTamper: String, CaseIterable, CustomTestStringConvertible {
    case editText, editIntentID, remove, swap
    /// Names a host on a row written without one: the host is hashed once set.
    case forgeHost

    var testDescription: String { rawValue }

    var sql: String {
        switch self {
        case .editText:
            "DROP TRIGGER event_is_append_only_update; UPDATE event SET detail = 'nothing to see' WHERE id = 2;"
        case .editIntentID:
            "DROP TRIGGER event_is_append_only_update; UPDATE event SET intent_id = 2 WHERE id = 4;"
        case .forgeHost:
            "DROP TRIGGER event_is_append_only_update; UPDATE event SET host = 'mallory' WHERE id = 2;"
        case .remove:
            "DROP TRIGGER event_is_append_only_delete; DELETE FROM event WHERE id = 3;"
        case .swap:
            """
            DROP TRIGGER event_is_append_only_update;
            UPDATE event SET id = 100 WHERE id = 2; UPDATE event SET id = 2 WHERE id = 3;
            UPDATE event SET id = 3 WHERE id = 100;
            """
        }
    }

    /// The same edits on PostgreSQL, by a superuser who first disables the triggers.
    var postgresSQL: String {
        let unguarded = "ALTER TABLE event DISABLE TRIGGER event_is_append_only; "
        switch self {
        case .editText: return unguarded + "UPDATE event SET detail = 'nothing to see' WHERE id = 2;"
        case .editIntentID: return unguarded + "UPDATE event SET intent_id = 2 WHERE id = 4;"
        case .forgeHost: return unguarded + "UPDATE event SET host = 'mallory' WHERE id = 2;"
        case .remove: return unguarded + "DELETE FROM event WHERE id = 3;"
        case .swap:
            return unguarded
                + "UPDATE event SET id = 100 WHERE id = 2; UPDATE event SET id = 2 WHERE id = 3; "
                + "UPDATE event SET id = 3 WHERE id = 100;"
        }
    }

    func apply(to rows: inout [AuditRawRow]) {
        switch self {
        case .editText: rows[1].fields["detail"] = "nothing to see"
        case .editIntentID: rows[3].fields["intent_id"] = "2"
        case .forgeHost: rows[1].fields["host"] = "mallory"
        case .remove: rows.remove(at: 2)
        case .swap:
            (rows[1], rows[2]) = (rows[2], rows[1])
            (rows[1].id, rows[2].id) = (2, 3)
        }
    }

    var expected: AuditVerification {
        switch self {
        case .editText: .broken(rowID: 2, problem: "its content does not match its hash (the row was edited)")
        case .editIntentID: .broken(rowID: 4, problem: "its content does not match its hash (the row was edited)")
        case .forgeHost: .broken(rowID: 2, problem: "its content does not match its hash (the row was edited)")
        case .remove: .broken(rowID: 4, problem: "row 3 is missing (ids jump from 2 to 4)")
        case .swap: .broken(rowID: 2, problem: "it does not link to row 1 (rows removed or reordered)")
        }
    }
}

@Suite("AuditStoring verify, on every driver")
struct AuditStoringVerifyTests {
    @Test(
        "verify names the first tampered row, alike on every driver", arguments: AuditDriver.allCases,
        AuditTamper.allCases)
    func tamperingIsDetected(driver: AuditDriver, tamper: AuditTamper) async throws {
        try await driver.withStore { store in
            try await store.append([
                event(.pauseIntent, side: .primary), event(.drift, detail: "d"), event(.error, detail: "e"),
                event(.pauseOutcome, side: .primary, outcome: "accepted", intentID: 1), event(.drift, detail: "f"),
            ])
            guard case .intact(5, _) = try await store.verify() else {
                Issue.record("the untouched chain must verify")
                return
            }
            switch store {
            case let sqliteStore as AuditStore:
                let result = try sqlite(sqliteStore.path, tamper.sql)
                try #require(result.status == 0, "sqlite3: \(result.output)")
            case let memoryStore as InMemoryAuditStore:
                await memoryStore.tamper { tamper.apply(to: &$0) }
            case let postgresStore as PostgresAuditStore:
                try #require(TestDatabases.database(at: postgresStore.location)).psql(tamper.postgresSQL)
            default:
                Issue.record("no tamper for \(type(of: store))")
            }
            #expect(try await store.verify() == tamper.expected)
        }
    }
}
