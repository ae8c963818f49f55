import Foundation
import SyncwindowLocks
import Testing

/// Both pair-lock drivers keep the same promise: one holder per pair, others give up after
/// their timeout, and a released lock can be taken again.
@Suite("pair locks")
struct PairLocksTests {
    enum Driver: String, CaseIterable, CustomTestStringConvertible {
        case file, inMemory
        var testDescription: String { rawValue }
    }

    static func withLocks(
        _ driver: Driver, clock: any Clock<Duration> = ContinuousClock(), _ body: (any PairLocks) async throws -> Void
    ) async throws {
        switch driver {
        case .inMemory:
            try await body(InMemoryPairLocks(clock: clock, pollInterval: .milliseconds(5)))
        case .file:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "syncwindow-locks-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            try await body(FilePairLocks(directory: directory.path, clock: clock))
        }
    }

    @Test(
        "a held pair makes a second taker give up; other pairs are free; release frees it", arguments: Driver.allCases)
    func contention(_ driver: Driver) async throws {
        try await Self.withLocks(driver) { locks in
            let first = try await locks.acquire(pair: "orders", timeout: .seconds(1))
            await #expect(throws: PairLockUnavailable.self) {
                _ = try await locks.acquire(pair: "orders", timeout: .milliseconds(100))
            }
            let other = try await locks.acquire(pair: "sessions", timeout: .milliseconds(100))
            await other.release()
            await first.release()
            let again = try await locks.acquire(pair: "orders", timeout: .milliseconds(100))
            await again.release()
        }
    }

    @Test("a waiter gets the lock as soon as the holder lets go", arguments: Driver.allCases)
    func waiterGetsIt(_ driver: Driver) async throws {
        // Both drivers poll on their clock: a waiter that sleeps has found the pair held.
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
}

/// What happened, in the order it happened.
private actor EventOrder {
    private(set) var order: [String] = []

    func note(_ event: String) { order.append(event) }
}

/// The real clock, announcing each sleep before it starts.
private struct AnnouncingClock: Clock {
    let sleeps: AsyncStream<Void>.Continuation
    private let base = ContinuousClock()

    init(sleeps: AsyncStream<Void>.Continuation) { self.sleeps = sleeps }

    var now: ContinuousClock.Instant { base.now }
    var minimumResolution: Duration { base.minimumResolution }

    func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {
        sleeps.yield()
        try await base.sleep(until: deadline, tolerance: tolerance)
    }
}
