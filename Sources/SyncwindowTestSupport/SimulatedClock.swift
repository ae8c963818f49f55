import Foundation
import Synchronization

/// A clock for tests whose sleeps return at once, having moved time forward by exactly the
/// time slept. A pass that follows a 90-second job with 2-second polls runs in
/// milliseconds, and what it saw — the emulator's `now`, the audit's `recordedAt`, lock
/// timeouts — is as if 90 seconds had passed.
public final class SimulatedClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let elapsed = Mutex(Duration.zero)
    /// Sleepers of the ``background`` view, woken as the foreground moves time past their deadlines.
    let sleepers = Mutex(BackgroundSleepers())
    /// The wall-clock time at the clock's start.
    public let start: Date

    public init(start: Date) {
        self.start = start
    }

    public var now: Instant { Instant(offset: elapsed.withLock { $0 }) }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Time slept (or advanced) since the start.
    public var elapsedTime: Duration { elapsed.withLock { $0 } }

    /// The wall-clock time now: `start` plus the time slept.
    public var wallNow: @Sendable () -> Date {
        { [self] in start.addingTimeInterval(Self.seconds(elapsedTime)) }
    }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        elapsed.withLock { $0 = max($0, deadline.offset) }
        wakeBackgroundSleepers()
        // Let other tasks run, as a real sleep would.
        await Task.yield()
    }

    public func advance(by duration: Duration) {
        elapsed.withLock { $0 += duration }
        wakeBackgroundSleepers()
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
