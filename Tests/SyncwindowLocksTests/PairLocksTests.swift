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

    static func withLocks(_ driver: Driver, _ body: (any PairLocks) async throws -> Void) async throws {
        switch driver {
        case .inMemory:
            try await body(InMemoryPairLocks(pollInterval: .milliseconds(5)))
        case .file:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "syncwindow-locks-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            try await body(FilePairLocks(directory: directory.path))
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
        try await Self.withLocks(driver) { locks in
            let first = try await locks.acquire(pair: "orders", timeout: .seconds(1))
            async let second = locks.acquire(pair: "orders", timeout: .seconds(5))
            try await Task.sleep(for: .milliseconds(100))
            await first.release()
            await (try second).release()
        }
    }
}
