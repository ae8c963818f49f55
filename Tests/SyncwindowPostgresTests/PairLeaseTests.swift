import Foundation
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowTestSupport
import Testing

@testable import SyncwindowPostgres

private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Two "hosts" on one test database: each its own backend (connection pool) and lease holder.
private func withHosts(
    lease: Duration = .seconds(30), margin: Duration = .seconds(10), server: PostgresServer? = nil,
    _ body: (PostgresAuditStore, PostgresPairLeases, PostgresAuditStore, PostgresPairLeases) async throws -> Void
) async throws {
    let database = try (server ?? PostgresServer.shared()).makeDatabase()
    var settings = database.settings
    settings.lease = lease
    settings.leaseMargin = margin
    // The product's default deadline: opening runs the migrations, and with every suite running
    // at once on a loaded machine seven databases migrating together took longer than 3 s. No
    // test here depends on the deadline; the lease tests judge by the lease and the margin.
    settings.timeout = .seconds(10)
    try await PostgresBackend.with(settings, password: PostgresServer.rolePassword, logger: quiet) { alphaBackend in
        try await PostgresBackend.with(settings, password: PostgresServer.rolePassword, logger: quiet) { betaBackend in
            let alpha = try await PostgresAuditStore.open(alphaBackend, wallClock: Date.init, host: "alpha")
            let beta = try await PostgresAuditStore.open(betaBackend, wallClock: Date.init, host: "beta")
            try await body(
                alpha, PostgresPairLeases(backend: alphaBackend, host: "alpha"), beta,
                PostgresPairLeases(backend: betaBackend, host: "beta"))
        }
    }
}

private func intent(_ pair: String) -> NewAuditEvent {
    NewAuditEvent(at: Date(), pair: pair, side: .primary, kind: .pauseIntent, actor: "syncwindow")
}

/// What only PostgreSQL's leases do (the contract every driver keeps, this one included, is
/// `PairLocksTests`): group appends with fences, reclaiming a dead local holder, a holder
/// cut off from its database.
@Suite("PostgreSQL pair leases", .enabled(if: PostgresServer.available))
struct PairLeaseTests {
    @Test("appends racing into one group transaction: a stale fence is refused alone, the rest commit in order")
    func groupAppendRefusesOnlyTheStaleFence() async throws {
        // Four seconds: the forty live holds are renewed every 1.33 s while the appends race, and a renewal
        // late by 2 s on a loaded machine (every unit suite runs at once) still keeps its lease.
        try await withHosts(lease: .seconds(4), margin: .milliseconds(500)) { alpha, alphaLeases, _, betaLeases in
            // Held and never renewed (no `renewing` scope), as by a frozen host; the other host
            // waits until it runs out.
            let stale = try await alphaLeases.acquire(pair: "orders", timeout: .seconds(1))
            let taken = try await betaLeases.acquire(pair: "orders", timeout: .seconds(8))
            let pairs = (0..<40).map { "pair-\($0)" }
            // The live holds are renewed meanwhile, as a pass's are (each renewal a child task of
            // this group, cancelled when the appends are done).
            let outcomes = try await withThrowingTaskGroup(of: Void.self) { renewals in
                defer { renewals.cancelAll() }
                var holds: [any PairLockHold] = []
                for pair in pairs {
                    let hold = try await alphaLeases.acquire(pair: pair, timeout: .seconds(1))
                    renewals.addTask { await hold.keepRenewed() }
                    holds.append(hold)
                }
                // Forty appends with live fences and one with the stale fence, all at once.
                let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                    for (pair, hold) in zip(pairs, holds) {
                        group.addTask {
                            let stored = try? await alpha.append([intent(pair), intent(pair)], fence: hold.fence)
                            return (pair, stored?.count == 2)
                        }
                    }
                    group.addTask {
                        (("orders", (try? await alpha.append([intent("orders")], fence: stale.fence)) != nil))
                    }
                    return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
                }
                for hold in holds { await hold.release() }
                return outcomes
            }
            #expect(outcomes["orders"] == false, "the stale fence is refused")
            #expect(pairs.allSatisfy { outcomes[$0] == true }, "every live fence commits")
            let events = try await alpha.events()
            #expect(events.count == 80 && !events.contains { $0.event.pair == "orders" })
            // Each append's two events are contiguous: one append's ids never interleave another's.
            for index in stride(from: 0, to: events.count, by: 2) {
                #expect(events[index].event.pair == events[index + 1].event.pair)
            }
            guard case .intact(80, _) = try await alpha.verify() else {
                Issue.record("the chain must stay intact")
                return
            }
            await taken.release()
        }
    }

    @Test("a burst past one transaction's bound is split across transactions; each append stays contiguous")
    func groupAppendSplitsLargeBursts() async throws {
        try await withHosts { alpha, _, _, _ in
            // 4,500 events: more than a transaction takes (2,000) and an INSERT carries (1,000).
            let pairs = (0..<5).map { "burst-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for pair in pairs {
                    group.addTask { _ = try await alpha.append(Array(repeating: intent(pair), count: 900)) }
                }
                try await group.waitForAll()
            }
            let events = try await alpha.events()
            #expect(events.map(\.id) == Array(1...4_500))
            for start in stride(from: 0, to: events.count, by: 900) {
                #expect(Set(events[start..<start + 900].map(\.event.pair)).count == 1, "one append's events in a row")
            }
            guard case .intact(4_500, _) = try await alpha.verify() else {
                Issue.record("the chain must stay intact")
                return
            }
        }
    }

    @Test("a lease of a dead process of the same host is reclaimed at once; another host still waits")
    func deadLocalHolderIsReclaimed() async throws {
        let database = try PostgresServer.shared().makeDatabase()
        let settings = database.settings
        // A process that has exited: its pid is free (and not reused within the test).
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        try await PostgresBackend.with(settings, password: PostgresServer.rolePassword, logger: quiet) { backend in
            _ = try await PostgresAuditStore.open(backend, wallClock: Date.init, host: "alpha")
            try database.psql(
                """
                INSERT INTO pair_lease VALUES ('orders', 'alpha/\(finished.processIdentifier)/7', 'alpha', 5,
                    clock_timestamp(), clock_timestamp() + interval '30 seconds')
                """)
            await #expect(throws: PairLockUnavailable.self) {
                _ = try await PostgresPairLeases(backend: backend, host: "beta").acquire(
                    pair: "orders", timeout: .milliseconds(300))
            }
            let hold = try await PostgresPairLeases(backend: backend, host: "alpha").acquire(
                pair: "orders", timeout: .milliseconds(300))
            #expect(hold.fence?.token == 6)
            await hold.release()
        }
    }

    @Test("with the database gone, a holder calls only while its own clock says the margin remains")
    func marginByTheHoldersClock() async throws {
        let server = try PostgresServer.startPrivate()
        defer { server.remove() }
        try await withHosts(lease: .seconds(3), margin: .seconds(2), server: server) { _, alphaLeases, _, _ in
            let hold = try await alphaLeases.acquire(pair: "orders", timeout: .seconds(1))
            try server.halt()
            // Renewal fails, but 3 s - a moment > 2 s of margin: the call may still go.
            try await hold.confirmBeforeCall()
            try await Task.sleep(for: .milliseconds(1_500))
            await #expect {
                try await hold.confirmBeforeCall()
            } throws: { error in
                (error as? PairLeaseLost)?.reason.contains("safety margin") == true
            }
            try server.resume()
            await hold.release()
        }
    }

    @Test("hosts appending at once keep one chain, each event naming its host")
    func concurrentAppendsOneChain() async throws {
        try await withHosts { alpha, _, beta, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? alpha : beta
                    group.addTask {
                        try await store.append([
                            NewAuditEvent(
                                at: Date(), pair: "p\(index % 5)", kind: .drift, actor: "test", detail: "\(index)"),
                            NewAuditEvent(
                                at: Date(), pair: "p\(index % 5)", kind: .error, actor: "test", detail: "\(index)"),
                        ])
                    }
                }
                try await group.waitForAll()
            }
            let events = try await alpha.events()
            #expect(events.map(\.id) == Array(1...80))
            #expect(Set(events.compactMap(\.event.host)) == ["alpha", "beta"])
            // A batch is appended whole: its two events are adjacent.
            for pair in stride(from: 0, to: events.count, by: 2) {
                #expect(events[pair].event.detail == events[pair + 1].event.detail)
            }
            guard case .intact(80, _) = try await beta.verify() else {
                Issue.record("the chain must verify")
                return
            }
        }
    }

    @Test("hosts starting at once on an empty database migrate it once")
    func concurrentMigration() async throws {
        let database = try PostgresServer.shared().makeDatabase()
        let settings = database.settings
        try await withThrowingTaskGroup(of: Void.self) { group in
            for host in ["a", "b", "c", "d"] {
                group.addTask {
                    try await PostgresBackend.with(settings, password: PostgresServer.rolePassword, logger: quiet) {
                        let store = try await PostgresAuditStore.open($0, wallClock: Date.init, host: host)
                        #expect(try await store.schemaProblems().isEmpty)
                    }
                }
            }
            try await group.waitForAll()
        }
        // Each migration applied once, however many hosts raced to apply it.
        #expect(
            try database.psql("SELECT count(*) FROM syncwindow_migration")
                == "\(PostgresSchema.migrations.count)")
    }

    @Test("the database itself refuses UPDATE, DELETE and TRUNCATE of events")
    func appendOnlyInTheDatabase() async throws {
        let database = try PostgresServer.shared().makeDatabase()
        let settings = database.settings
        try await PostgresBackend.with(settings, password: PostgresServer.rolePassword, logger: quiet) {
            let store = try await PostgresAuditStore.open($0, wallClock: Date.init, host: "alpha")
            try await store.append([intent("orders")])
        }
        for statement in ["UPDATE event SET detail = 'x'", "DELETE FROM event", "TRUNCATE event"] {
            #expect(throws: PostgresServerError.self) { try database.psql(statement) }
        }
        #expect(try database.psql("SELECT count(*) FROM event") == "1")
    }
}
