/// Pair locks held in memory: the twin of ``FilePairLocks`` for passes that share one
/// process (unit tests, a future in-process scheduler). Waiters poll on the injected clock,
/// as the file driver does, so a test clock controls how long they wait.
public actor InMemoryPairLocks: PairLocks {
    private var held: Set<String> = []
    private let clock: any Clock<Duration>
    private let pollInterval: Duration

    public init(clock: any Clock<Duration> = ContinuousClock(), pollInterval: Duration = .milliseconds(50)) {
        self.clock = clock
        self.pollInterval = pollInterval
    }

    public var heldPairs: Set<String> { held }

    public func acquire(pair: String, timeout: Duration) async throws -> any PairLockHold {
        let deadline = Deadline(after: timeout, on: clock)
        while held.contains(pair) {
            if deadline.hasPassed() { throw PairLockUnavailable(pair: pair, holder: "in-memory lock \(pair)") }
            try await clock.sleep(for: pollInterval)
        }
        held.insert(pair)
        return InMemoryHold(locks: self, pair: pair)
    }

    fileprivate func release(_ pair: String) { held.remove(pair) }
}

private struct InMemoryHold: PairLockHold {
    let locks: InMemoryPairLocks
    let pair: String

    func release() async { await locks.release(pair) }
}
