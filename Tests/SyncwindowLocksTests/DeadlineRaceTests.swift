import Synchronization
import SyncwindowLocks
import Testing

/// `Deadline.race` is structured: whichever of the operation and the deadline ends first, the
/// other has been cancelled and has ended by the time the race returns.
@Suite("Deadline.race")
struct DeadlineRaceTests {
    /// A clock whose sleeps end at once (the deadline has come) or only when cancelled (it never comes).
    struct StubClock: Clock {
        struct Instant: InstantProtocol {
            var offset: Duration
            func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
            func duration(to other: Instant) -> Duration { other.offset - offset }
            static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        }

        let deadlineComes: Bool
        let sleepsEnded = Sleeps()
        var now: Instant { Instant(offset: .zero) }
        var minimumResolution: Duration { .nanoseconds(1) }

        func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            defer { sleepsEnded.count.add(1, ordering: .relaxed) }
            if deadlineComes { return }
            try await untilCancelled()
        }
    }

    final class Sleeps: Sendable {
        let count = Atomic(0)
    }

    /// Returns only when the task is cancelled, by throwing `CancellationError`.
    static func untilCancelled() async throws {
        let (stream, continuation) = AsyncStream<Never>.makeStream()
        for await _ in stream {}
        // The continuation, kept until here, is what keeps the stream open until cancellation ends it.
        continuation.finish()
        throw CancellationError()
    }

    @Test("an operation that answers in time wins, and the deadline's sleep is cancelled and over")
    func answerWins() async throws {
        let clock = StubClock(deadlineComes: false)
        let answer = try await Deadline.race(.seconds(5), on: clock) { 42 }
        let sleepsEnded = clock.sleepsEnded.count.load(ordering: .relaxed)
        #expect(answer == 42)
        #expect(sleepsEnded == 1)
    }

    @Test("at the deadline the race returns nil, the operation cancelled and ended before it returns")
    func deadlineWins() async throws {
        let endedBox = EndedFlag()
        let answer: Int? = try await Deadline.race(.seconds(5), on: StubClock(deadlineComes: true)) {
            defer { endedBox.ended.store(true, ordering: .relaxed) }
            try await Self.untilCancelled()
            return 1
        }
        let ended = endedBox.ended.load(ordering: .relaxed)
        #expect(answer == nil)
        #expect(ended)
    }

    final class EndedFlag: Sendable {
        let ended = Atomic(false)
    }

    @Test("an operation's error reaches the caller")
    func errorPropagates() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await Deadline.race(.seconds(5), on: StubClock(deadlineComes: false)) { () -> Int in
                throw Refused()
            }
        }
    }
}
