/// Who may act on a pair right now: one invocation at a time, across processes.
///
/// The production driver is ``FilePairLocks`` (`flock(2)` on `{state_dir}/locks/PAIR.lock`,
/// released by the kernel when a process dies); ``InMemoryPairLocks`` is its twin for
/// tests that run many passes in one process, in milliseconds.
public protocol PairLocks: Sendable {
    /// Takes `pair`'s lock, waiting up to `timeout`; throws ``PairLockUnavailable`` if
    /// another holder keeps it that long.
    func acquire(pair: String, timeout: Duration) async throws -> any PairLockHold
}

/// A held pair lock. Released explicitly, or when the hold is dropped.
public protocol PairLockHold: Sendable {
    func release() async
}

/// Another invocation holds the pair's lock.
public struct PairLockUnavailable: Error, Equatable, CustomStringConvertible {
    public var pair: String
    public var holder: String

    public init(pair: String, holder: String) {
        self.pair = pair
        self.holder = holder
    }

    public var description: String { "another syncwindow invocation holds \(holder)" }
}
