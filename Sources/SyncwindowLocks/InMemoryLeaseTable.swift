import Synchronization

/// PostgreSQL's `pair_lease` table in memory: the twin of the database side of
/// `PostgresPairLeases`, shared by every "host" (``InMemoryPairLeases``) of a test. Each pair's
/// lease has a holder, a fencing token that grows on every acquisition, and an expiry judged
/// on the table's one clock (as the database's `clock_timestamp()` judges it, never the hosts'
/// clocks). Every statement of the real table has its twin here, with the same answers.
///
/// An in-memory audit store given the table (`InMemoryAuditStore(fences:)`) refuses a
/// fenced append whose fence is not the pair's current, unexpired lease, as PostgreSQL does.
public final class InMemoryLeaseTable: LeaseFenceJudging, Sendable {
    /// How long a lease lasts without renewal (`store.postgres.lease`).
    public let lease: Duration
    /// The table's clock: time since the table was made, on the clock it was made with.
    private let elapsed: @Sendable () -> Duration
    private let leases = Mutex<[String: Lease]>([:])

    struct Lease {
        var holder: String
        var host: String
        var token: Int64
        var expiresAt: Duration
    }

    public init<C: Clock>(clock: C, lease: Duration) where C.Duration == Duration {
        let start = clock.now
        self.elapsed = { start.duration(to: clock.now) }
        self.lease = lease
    }

    /// How an acquisition went: the new token, or who holds the pair and for how much longer.
    enum Attempt {
        case acquired(token: Int64)
        case heldBy(host: String, left: Duration)
    }

    /// `AcquireLeaseStatement`: takes the lease if nobody holds it or the holder's ran out.
    func acquire(pair: String, holder: String, host: String) -> Attempt {
        let now = elapsed()
        return leases.withLock { leases in
            if let current = leases[pair], current.expiresAt > now {
                return .heldBy(host: current.host, left: current.expiresAt - now)
            }
            let token = (leases[pair]?.token ?? 0) + 1
            leases[pair] = Lease(holder: holder, host: host, token: token, expiresAt: now + lease)
            return .acquired(token: token)
        }
    }

    /// `RenewLeaseStatement`: extends the lease if `fence` still holds it, unexpired.
    func renew(_ fence: LeaseFence) -> Bool {
        let now = elapsed()
        return leases.withLock { leases in
            guard var current = leases[fence.pair], current.holds(fence), current.expiresAt > now else { return false }
            current.expiresAt = now + lease
            leases[fence.pair] = current
            return true
        }
    }

    /// The release of `PostgresBatchedWrites.releases`: the lease ends now if `fence` still holds it.
    func release(_ fence: LeaseFence) {
        let now = elapsed()
        leases.withLock { leases in
            guard var current = leases[fence.pair], current.holds(fence), current.expiresAt > now else { return }
            current.expiresAt = now
            leases[fence.pair] = current
        }
    }

    /// `PostgresGroupAppend.checkFences`, with its words.
    public func refusal(of fence: LeaseFence) -> String? {
        let now = elapsed()
        guard let current = leases.withLock({ $0[fence.pair] }) else { return "the pair has no lease" }
        guard current.holds(fence) else {
            return "host \(current.host) holds lease \(current.token); this host held lease \(fence.token)"
        }
        guard current.expiresAt > now else { return "lease \(current.token) expired before this append" }
        return nil
    }
}

extension InMemoryLeaseTable.Lease {
    func holds(_ fence: LeaseFence) -> Bool { holder == fence.holder && token == fence.token }
}
