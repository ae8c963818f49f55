import Synchronization

/// Sleepers parked on a ``SimulatedClock/Background`` view, by ticket.
struct BackgroundSleepers {
    var nextTicket: UInt64 = 0
    var parked: [UInt64: (deadline: Duration?, continuation: CheckedContinuation<Void, any Error>)] = [:]
}

extension SimulatedClock {
    /// A view of the clock for a loop that runs beside the test's work (a lease's renewal):
    /// the same `now`, but its sleeps never move time themselves. A foreground sleep moves time
    /// at once, so a background loop sleeping on the foreground clock would race time forward;
    /// a background sleep returns only once the foreground's sleeps or `advance` have moved
    /// time past its deadline — or never, on the ``frozen`` view (a stopped process's loop).
    public struct Background: Clock {
        public typealias Instant = SimulatedClock.Instant
        let base: SimulatedClock
        /// Whether sleeps ever end (other than by cancellation).
        let wakes: Bool

        public var now: Instant { base.now }
        public var minimumResolution: Duration { .nanoseconds(1) }

        public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
            try await base.park(until: wakes ? deadline.offset : nil)
        }
    }

    /// Sleeps wake as the foreground moves time past them.
    public var background: Background { Background(base: self, wakes: true) }
    /// Sleeps never wake (until cancelled): a loop frozen for the test, time running on without it.
    public var frozen: Background { Background(base: self, wakes: false) }

    /// Parks until time reaches `deadline` (nil: until cancelled).
    func park(until deadline: Duration?) async throws {
        try Task.checkCancellation()
        let ticket = sleepers.withLock { sleepers in
            defer { sleepers.nextTicket += 1 }
            return sleepers.nextTicket
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Time read under the sleepers' lock: an advance either comes before (seen here)
                // or wakes this sleeper after it parked.
                let parked = sleepers.withLock { sleepers -> Bool in
                    if let deadline, deadline <= elapsedTime { return false }
                    sleepers.parked[ticket] = (deadline, continuation)
                    return true
                }
                if !parked { continuation.resume() }
                // Cancelled before parking: the handler found nothing to resume.
                if parked && Task.isCancelled, let stale = sleepers.withLock({ $0.parked.removeValue(forKey: ticket) })
                {
                    stale.continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            sleepers.withLock { $0.parked.removeValue(forKey: ticket) }?.continuation.resume(
                throwing: CancellationError())
        }
    }

    /// Resumes the background sleepers whose deadline time has now reached.
    func wakeBackgroundSleepers() {
        let due = sleepers.withLock { sleepers in
            let now = elapsedTime
            let tickets = sleepers.parked.filter { $0.value.deadline.map { $0 <= now } ?? false }.map(\.key)
            return tickets.compactMap { sleepers.parked.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }
}
