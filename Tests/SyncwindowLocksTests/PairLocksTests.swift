import Foundation
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowPostgres
import SyncwindowTestSupport
import Testing

/// The contract of every pair-lock driver, run against each of them: one holder per pair,
/// others give up after their timeout, a released lock can be taken again at once — and, for
/// leases, a lease that runs out is taken over with the next token, the old holder can
/// neither append nor call, and a renewing holder keeps its lease. The in-memory drivers run
/// on simulated or announcing clocks; PostgreSQL judges expiry by the database's own clock,
/// so its cases take real time (a 2 s lease waited out once per test).
@Suite("pair locks")
struct PairLocksTests {
    enum Driver: String, CaseIterable, CustomTestStringConvertible {
        case file, inMemoryLocks, inMemoryLeases, postgres
        var testDescription: String { rawValue }

        /// Every driver this machine can run (PostgreSQL when `SYNCWINDOW_TEST_POSTGRES` names a server).
        static var available: [Driver] { allCases.filter { $0 != .postgres || PostgresServer.available } }
        /// The drivers whose holds can be lost.
        static var leases: [Driver] { available.filter(\.isLease) }

        var isLease: Bool { self == .inMemoryLeases || self == .postgres }
    }

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// One host's locks, on `clock` (the real clock, announcing its sleeps when asked to).
    static func withLocks(
        _ driver: Driver, clock: AnnouncingClock = AnnouncingClock(), _ body: (any PairLocks) async throws -> Void
    ) async throws {
        switch driver {
        case .inMemoryLocks:
            try await body(InMemoryPairLocks(clock: clock, pollInterval: .milliseconds(5)))
        case .file:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "syncwindow-locks-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            try await body(FilePairLocks(directory: directory.path, clock: clock))
        case .inMemoryLeases, .postgres:
            try await withHosts(driver, hostClock: clock) { hosts in try await body(hosts.alpha) }
        }
    }

    /// Two hosts sharing one lease store and one trail, and what lets time pass for them.
    struct Hosts {
        var alpha: any PairLocks
        var beta: any PairLocks
        var alphaTrail: any AuditStoring
        var betaTrail: any AuditStoring
        /// Lets `duration` pass for everyone: simulated time, or real time for PostgreSQL.
        var wait: @Sendable (Duration) async throws -> Void
    }

    /// - Parameters:
    ///   - hostClock: every host's clock, and the in-memory table's (nil: for the twin, a simulated
    ///     clock; for PostgreSQL, the real one).
    ///   - renewing: for the twin on simulated time, whether alpha's renewal loop wakes as time
    ///     passes (beta's clock is the simulated one, whose sleeps move time).
    static func withHosts(
        _ driver: Driver, lease: Duration = .seconds(30), margin: Duration = .seconds(10),
        hostClock: AnnouncingClock? = nil, renewing: Bool = false, _ body: (Hosts) async throws -> Void
    ) async throws {
        switch driver {
        case .inMemoryLeases:
            let clock = SimulatedClock(start: Date(timeIntervalSince1970: 1_796_000_000))
            let table: InMemoryLeaseTable
            let alpha: any PairLocks
            let beta: any PairLocks
            if let hostClock {
                table = InMemoryLeaseTable(clock: hostClock, lease: lease)
                alpha = InMemoryPairLeases(table: table, host: "alpha", clock: hostClock, margin: margin)
                beta = InMemoryPairLeases(table: table, host: "beta", clock: hostClock, margin: margin)
            } else {
                table = InMemoryLeaseTable(clock: clock, lease: lease)
                alpha =
                    renewing
                    ? InMemoryPairLeases(table: table, host: "alpha", clock: clock.background, margin: margin)
                    : InMemoryPairLeases(table: table, host: "alpha", clock: clock, margin: margin)
                beta = InMemoryPairLeases(table: table, host: "beta", clock: clock, margin: margin)
            }
            let trail = InMemoryAuditStore(wallClock: clock.wallNow, fences: table)
            try await body(
                Hosts(
                    alpha: alpha, beta: beta, alphaTrail: trail, betaTrail: trail,
                    wait: { duration in
                        // In steps, as a working pass's polls move time: background renewals wake between them.
                        for _ in 0..<Int(duration / .milliseconds(250)) {
                            try await clock.sleep(for: .milliseconds(250))
                        }
                    }))
        case .postgres:
            let database = try PostgresServer.shared().makeDatabase()
            var settings = database.settings
            settings.lease = lease
            settings.leaseMargin = margin
            // Opening migrates; with every suite at once on a loaded machine that took more than 3 s.
            settings.timeout = .seconds(10)
            let password = PostgresServer.rolePassword
            try await PostgresBackend.with(settings, password: password, logger: quiet) { alphaBackend in
                try await PostgresBackend.with(settings, password: password, logger: quiet) { betaBackend in
                    let alphaTrail = try await PostgresAuditStore.open(
                        alphaBackend, wallClock: Date.init, host: "alpha")
                    let betaTrail = try await PostgresAuditStore.open(betaBackend, wallClock: Date.init, host: "beta")
                    try await body(
                        Hosts(
                            alpha: PostgresPairLeases(
                                backend: alphaBackend, host: "alpha", clock: hostClock ?? AnnouncingClock()),
                            beta: PostgresPairLeases(backend: betaBackend, host: "beta"),
                            alphaTrail: alphaTrail, betaTrail: betaTrail,
                            // The database's clock judges expiry: only real time lets a lease run out.
                            wait: { try await ContinuousClock().sleep(for: $0) }))
                }
            }
        case .file, .inMemoryLocks:
            Issue.record("\(driver) has no leases")
        }
    }

    static func intent(_ pair: String, host: String) -> NewAuditEvent {
        NewAuditEvent(at: Date(), pair: pair, side: .primary, kind: .pauseIntent, actor: "syncwindow", host: host)
    }

    @Test(
        "a held pair makes a second taker give up; other pairs are free; release frees it",
        arguments: Driver.available)
    func contention(_ driver: Driver) async throws {
        try await Self.withLocks(driver) { locks in
            let first = try await locks.acquire(pair: "orders", timeout: .seconds(1))
            await #expect {
                _ = try await locks.acquire(pair: "orders", timeout: .milliseconds(100))
            } throws: { error in
                // A lease names its holder's host, so an operator knows whom to ask.
                (error as? PairLockUnavailable).map { !driver.isLease || $0.holder.contains("host alpha") } == true
            }
            let other = try await locks.acquire(pair: "sessions", timeout: .milliseconds(100))
            await other.release()
            await first.release()
            let again = try await locks.acquire(pair: "orders", timeout: .milliseconds(100))
            // Every acquisition of a lease takes the next token; locks that cannot be lost carry none.
            #expect(first.fence?.token == (driver.isLease ? 1 : nil))
            #expect(again.fence?.token == (driver.isLease ? 2 : nil))
            await again.release()
        }
    }

    @Test("a waiter gets the lock as soon as the holder lets go", arguments: Driver.available)
    func waiterGetsIt(_ driver: Driver) async throws {
        // Every driver polls on its clock: a waiter that sleeps has found the pair held.
        let (sleeps, announce) = AsyncStream<Void>.makeStream()
        let events = EventOrder()
        try await Self.withLocks(driver, clock: AnnouncingClock(sleeps: announce)) { locks in
            let first = try await locks.acquire(pair: "orders", timeout: .seconds(1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let second = try await locks.acquire(pair: "orders", timeout: .seconds(5))
                    await events.note("waiter took it")
                    announce.finish()
                    await second.release()
                }
                // Only once the waiter is waiting does the holder let go.
                var waiting = sleeps.makeAsyncIterator()
                let waited = await waiting.next() != nil
                await events.note("holder let go")
                await first.release()
                try await group.waitForAll()
                #expect(waited, "the waiter took a held lock")
            }
        }
        #expect(await events.order == ["holder let go", "waiter took it"])
    }

    @Test(
        "a lease that ran out is taken over with the next token; the old holder can neither append nor call",
        arguments: Driver.leases)
    func takeoverFencesTheOldHolder(_ driver: Driver) async throws {
        // The shortest lease PostgreSQL's case can wait out; the config allows 10 s and up.
        try await Self.withHosts(driver, lease: .seconds(2), margin: .milliseconds(500)) { hosts in
            // The old holder renews nothing (no `renewing` scope), as a frozen host would.
            let old = try await hosts.alpha.acquire(pair: "orders", timeout: .seconds(1))
            try await hosts.alphaTrail.append([Self.intent("orders", host: "alpha")], fence: old.fence)
            // The other host waits until the lease runs out, then takes it over.
            let new = try await hosts.beta.acquire(pair: "orders", timeout: .seconds(5))
            #expect(new.fence?.token == 2)

            await #expect {
                try await hosts.alphaTrail.append([Self.intent("orders", host: "alpha")], fence: old.fence)
            } throws: { error in
                guard case .fenced(let pair, let reason) = error as? AuditStoreError else { return false }
                return pair == "orders" && reason.contains("host beta holds lease 2")
            }
            await #expect(throws: PairLeaseLost.self) { try await old.confirmBeforeCall() }
            // The new holder is a live host: it renews while it works.
            try await new.renewing {
                try await new.confirmBeforeCall()
                try await hosts.betaTrail.append([Self.intent("orders", host: "beta")], fence: new.fence)
            }

            let events = try await hosts.betaTrail.events()
            #expect(events.map(\.event.host) == ["alpha", "beta"], "the refused append left nothing behind")
            guard case .intact(2, _) = try await hosts.betaTrail.verify() else {
                Issue.record("the chain must stay intact")
                return
            }
            await old.release()
            await new.release()
        }
    }

    @Test("a renewing holder keeps its lease past its length", arguments: Driver.leases)
    func renewalKeepsTheLease(_ driver: Driver) async throws {
        // Four seconds, renewed every 1.33 s: a renewal may be late by 2 s and more on a loaded machine (the
        // unit suites run at once, PostgreSQL's too) before the lease is at risk; held half as long again.
        try await Self.withHosts(driver, lease: .seconds(4), margin: .milliseconds(500), renewing: true) { hosts in
            let hold = try await hosts.alpha.acquire(pair: "orders", timeout: .seconds(1))
            try await hold.renewing {
                try await hosts.wait(.milliseconds(6_000))
                try await hold.confirmBeforeCall()
                await #expect(throws: PairLockUnavailable.self) {
                    _ = try await hosts.beta.acquire(pair: "orders", timeout: .milliseconds(500))
                }
            }
            await hold.release()
        }
    }

    @Test(
        "a holder that did not renew calls only while its own clock says the margin remains",
        arguments: Driver.leases)
    func marginByTheHoldersClock(_ driver: Driver) async throws {
        try await Self.withHosts(driver, lease: .seconds(3), margin: .seconds(1)) { hosts in
            let hold = try await hosts.alpha.acquire(pair: "orders", timeout: .seconds(1))
            try await hold.confirmBeforeCall()
            // 2.25 s without renewal: at most 0.75 s left, less than the margin — too late even to renew.
            try await hosts.wait(.milliseconds(2_250))
            await #expect {
                try await hold.confirmBeforeCall()
            } throws: { error in
                (error as? PairLeaseLost)?.reason.contains("safety margin") == true
            }
            await hold.release()
        }
    }
}

/// What happened, in the order it happened.
private actor EventOrder {
    private(set) var order: [String] = []

    func note(_ event: String) { order.append(event) }
}

/// The real clock, announcing each sleep before it starts (when given where to).
struct AnnouncingClock: Clock {
    let sleeps: AsyncStream<Void>.Continuation?
    private let base = ContinuousClock()

    init(sleeps: AsyncStream<Void>.Continuation? = nil) { self.sleeps = sleeps }

    var now: ContinuousClock.Instant { base.now }
    var minimumResolution: Duration { base.minimumResolution }

    func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {
        sleeps?.yield()
        try await base.sleep(until: deadline, tolerance: tolerance)
    }
}
