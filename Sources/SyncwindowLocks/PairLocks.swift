/// Who may act on a pair right now: one invocation at a time, across processes (locks) or
/// hosts (leases). One protocol for every driver, so one contract suite (`PairLocksTests`)
/// runs against all of them:
/// - ``FilePairLocks``: `flock(2)` on `{state_dir}/locks/PAIR.lock`, released by the kernel
///   when a process dies; ``InMemoryPairLocks`` is its twin for passes in one process.
/// - `PostgresPairLeases`: leases that run out, are renewed and fence the holder's appends;
///   ``InMemoryPairLeases`` is its twin on an injected clock. Both keep their holds with
///   ``LeaseHold``, so the holder's side of a lease is one rule.
public protocol PairLocks: Sendable {
    /// Takes `pair`'s lock, waiting up to `timeout`; throws ``PairLockUnavailable`` if
    /// another holder keeps it that long.
    func acquire(pair: String, timeout: Duration) async throws -> any PairLockHold
}

/// A held pair lock. Released explicitly, or when the hold is dropped.
public protocol PairLockHold: Sendable {
    func release() async

    /// The fence every append of the holder carries; nil for locks that cannot be lost.
    var fence: LeaseFence? { get }

    /// Immediately before each call to the cloud: throws ``PairLeaseLost`` unless the hold
    /// is sure to last a safety margin longer (renewing it if needed).
    func confirmBeforeCall() async throws

    /// Keeps the hold renewed until the calling task is cancelled or the hold is lost; run it
    /// beside the holder's work with ``renewing(_:)``, which owns it. Returns at once for
    /// locks that cannot be lost.
    func keepRenewed() async
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

/// What proves a holder still holds a pair's lease: the store refuses an append whose
/// token is no longer the pair's current one, inside the append's own transaction, so a
/// host that lost its lease cannot record an intent — and sends no call without one.
public struct LeaseFence: Sendable, Hashable, CustomStringConvertible {
    public var pair: String
    /// This process's identity in the lease table (host id, pid and a random part).
    public var holder: String
    /// Grows by one on every acquisition of the pair's lease.
    public var token: Int64

    public init(pair: String, holder: String, token: Int64) {
        self.pair = pair
        self.holder = holder
        self.token = token
    }

    public var description: String { "lease \(token) of \(pair)" }
}

/// The hold no longer covers the pair: its lease ran out or another host took it over.
public struct PairLeaseLost: Error, Equatable, CustomStringConvertible {
    public var pair: String
    public var reason: String

    public init(pair: String, reason: String) {
        self.pair = pair
        self.reason = reason
    }

    public var description: String { "lost the lease on \(pair): \(reason); no call was sent" }
}

extension PairLockHold {
    /// Locks that cannot be lost while their holder lives (`flock`, in-memory) carry no fence.
    public var fence: LeaseFence? { nil }

    /// Locks that cannot be lost while their holder lives need no check before a call.
    public func confirmBeforeCall() async throws {}

    /// Locks that cannot be lost while their holder lives need no renewal.
    public func keepRenewed() async {}

    /// Runs `body` with the hold kept renewed beside it. The renewal loop is a child task of
    /// this scope: it starts with `body` and is cancelled, and awaited, when `body` ends, so no
    /// renewal outlives the work it covers. A hold used without this scope is renewed only by
    /// ``confirmBeforeCall()`` (as a frozen process's would be: tests of takeover use that).
    public func renewing<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepRenewed() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// Why an append under a fence must be refused: the lease store's judgement, asked in the
/// append's own critical section (PostgreSQL's transaction, the in-memory store's actor turn).
public protocol LeaseFenceJudging: Sendable {
    /// Nil while `fence` is its pair's current, unexpired lease; else why not, in words.
    func refusal(of fence: LeaseFence) -> String?
}
