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

@Suite("PostgreSQL pair leases", .enabled(if: PostgresServer.available))
struct PairLeaseTests {
    @Test("one holder at a time: the other waits its timeout and is told who holds the pair")
    func exclusive() async throws {
        try await withHosts { _, alphaLeases, _, betaLeases in
            let hold = try await alphaLeases.acquire(pair: "orders", timeout: .seconds(1))
            #expect(hold.fence?.token == 1)
            await #expect {
                _ = try await betaLeases.acquire(pair: "orders", timeout: .milliseconds(600))
            } throws: { error in
                (error as? PairLockUnavailable)?.holder.contains("host alpha") == true
            }
            // Another pair is free meanwhile.
            let other = try await betaLeases.acquire(pair: "sessions", timeout: .seconds(1))
            await other.release()
            await hold.release()
            let next = try await betaLeases.acquire(pair: "orders", timeout: .seconds(1))
            #expect(next.fence?.token == 2, "every acquisition takes the next token")
            await next.release()
        }
    }

    @Test("a released lease passes at once to a waiting host")
    func waiterGetsReleasedLease() async throws {
        try await withHosts { _, alphaLeases, _, betaLeases in
            let hold = try await alphaLeases.acquire(pair: "orders", timeout: .seconds(1))
            async let waited = betaLeases.acquire(pair: "orders", timeout: .seconds(5))
            try await Task.sleep(for: .milliseconds(300))
            await hold.release()
            let next = try await waited
            #expect(next.fence?.token == 2)
            await next.release()
        }
    }

    @Test("a lease that ran out is taken over; the old holder can neither append nor call")
    func takeoverFencesTheOldHolder() async throws {
        // The shortest lease the tests can wait out; the config allows 10 s and up.
        try await withHosts(lease: .seconds(2), margin: .milliseconds(500)) { alpha, alphaLeases, beta, betaLeases in
            let old = try await alphaLeases.acquire(pair: "orders", timeout: .seconds(1))
            try await alpha.append([intent("orders")], fence: old.fence)
            // The old holder stops renewing, as a frozen host would: its lease runs out.
            (old as? PostgresLeaseHold)?.stopRenewingForTests()
            try await Task.sleep(for: .milliseconds(2_300))
            let new = try await betaLeases.acquire(pair: "orders", timeout: .seconds(1))
            #expect(new.fence?.token == 2)

            await #expect {
                try await alpha.append([intent("orders")], fence: old.fence)
            } throws: { error in
                guard case .fenced(let pair, let reason) = error as? AuditStoreError else { return false }
                return pair == "orders" && reason.contains("host beta holds lease 2")
            }
            await #expect(throws: PairLeaseLost.self) { try await old.confirmBeforeCall() }
            try await new.confirmBeforeCall()
            try await beta.append([intent("orders")], fence: new.fence)

            let events = try await beta.events()
            #expect(events.map(\.event.host) == ["alpha", "beta"], "the refused append left nothing behind")
            guard case .intact(2, _) = try await beta.verify() else {
                Issue.record("the chain must stay intact")
                return
            }
            await old.release()
            await new.release()
        }
    }

    @Test("appends racing into one group transaction: a stale fence is refused alone, the rest commit in order")
    func groupAppendRefusesOnlyTheStaleFence() async throws {
        try await withHosts(lease: .seconds(2), margin: .milliseconds(500)) { alpha, alphaLeases, _, betaLeases in
            let stale = try await alphaLeases.acquire(pair: "orders", timeout: .seconds(1))
            (stale as? PostgresLeaseHold)?.stopRenewingForTests()
            try await Task.sleep(for: .milliseconds(2_300))
            let taken = try await betaLeases.acquire(pair: "orders", timeout: .seconds(1))
            let pairs = (0..<40).map { "pair-\($0)" }
            var holds: [any PairLockHold] = []
            for pair in pairs { holds.append(try await alphaLeases.acquire(pair: pair, timeout: .seconds(1))) }
            // Forty appends with live fences and one with the stale fence, all at once.
            let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                for (pair, hold) in zip(pairs, holds) {
                    group.addTask {
                        let stored = try? await alpha.append([intent(pair), intent(pair)], fence: hold.fence)
                        return (pair, stored?.count == 2)
                    }
                }
                group.addTask { (("orders", (try? await alpha.append([intent("orders")], fence: stale.fence)) != nil)) }
                return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
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
            for hold in holds { await hold.release() }
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

    @Test("a renewing holder keeps its lease past its length")
    func renewalKeepsTheLease() async throws {
        // Two seconds, renewed every 667 ms: slack for a loaded machine (the test suites run at once).
        try await withHosts(lease: .seconds(2), margin: .milliseconds(200)) { _, alphaLeases, _, betaLeases in
            let hold = try await alphaLeases.acquire(pair: "orders", timeout: .seconds(1))
            try await Task.sleep(for: .milliseconds(4_500))
            try await hold.confirmBeforeCall()
            await #expect(throws: PairLockUnavailable.self) {
                _ = try await betaLeases.acquire(pair: "orders", timeout: .milliseconds(500))
            }
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
