import Synchronization
import SyncwindowLocks
import Testing

/// `Deadline.raceReturningAtDeadline` returns at the deadline even when the operation ignores
/// its cancellation; the operation is cancelled and left to end on its own.
@Suite("Deadline.raceReturningAtDeadline")
struct DeadlineReturningAtDeadlineTests {
    typealias StubClock = DeadlineRaceTests.StubClock

    /// An operation that ignores cancellation: it waits until the test opens the gate, then
    /// reports whether it had been cancelled meanwhile.
    final class Straggler: Sendable {
        /// Whether the gate is open, and the operation waiting at it (a continuation, which
        /// cancellation does not resume, unlike an `AsyncStream`).
        private let gate = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
        let report = AsyncStream<Bool>.makeStream()

        func operation() async -> Int {
            await withCheckedContinuation { continuation in
                let open = gate.withLock { gate in
                    if !gate.open { gate.waiter = continuation }
                    return gate.open
                }
                if open { continuation.resume() }
            }
            report.continuation.yield(Task.isCancelled)
            report.continuation.finish()
            return 1
        }

        func open() {
            let waiter = gate.withLock { gate in
                gate.open = true
                defer { gate.waiter = nil }
                return gate.waiter
            }
            waiter?.resume()
        }
    }

    @Test("at the deadline it returns nil while an operation ignoring cancellation still runs, cancelled")
    func deadlineDoesNotWaitForTheOperation() async throws {
        let straggler = Straggler()
        let answer = try await Deadline.raceReturningAtDeadline(.seconds(5), on: StubClock(deadlineComes: true)) {
            await straggler.operation()
        }
        #expect(answer == nil)
        // Only now may the operation end; it had been cancelled.
        straggler.open()
        var reports = straggler.report.stream.makeAsyncIterator()
        let cancelled = await reports.next()
        #expect(cancelled == true)
    }

    @Test("an operation that answers in time wins, and the deadline's sleep is cancelled and over")
    func answerWins() async throws {
        let clock = StubClock(deadlineComes: false)
        let answer = try await Deadline.raceReturningAtDeadline(.seconds(5), on: clock) { 42 }
        #expect(answer == 42)
        #expect(clock.sleepsEnded.count.load(ordering: .relaxed) == 1)
    }

    @Test("an operation's error reaches the caller")
    func errorPropagates() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await Deadline.raceReturningAtDeadline(.seconds(5), on: StubClock(deadlineComes: false)) {
                () -> Int in throw Refused()
            }
        }
    }
}
