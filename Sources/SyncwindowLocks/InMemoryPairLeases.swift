/// One host's pair leases on an ``InMemoryLeaseTable``: the twin of `PostgresPairLeases`, with
/// the same holder (``LeaseHold``), the same polling and the same answers, on an injected clock.
/// Several hosts of a test share one table, as hosts share one database; each has its own
/// clock for its side of the lease (the margin before a call, renewal and polling), so a test
/// can freeze one host's renewal while time runs on for the others.
///
/// Unlike PostgreSQL's, a lease held by a dead process of the same host is not reclaimed
/// early: the twin has no processes to ask the kernel about.
public struct InMemoryPairLeases<C: Clock>: PairLocks where C.Duration == Duration {
    public let table: InMemoryLeaseTable
    /// This host, as other hosts see the holder.
    public let host: String
    /// This "process" among the host's.
    public let holder: String
    let clock: C
    let margin: Duration
    let random: @Sendable () -> UInt64

    /// - Parameters:
    ///   - clock: this host's clock: the lease's margin, renewal and waiting are judged on it.
    ///   - margin: how much of the lease must remain for a call (`store.postgres.lease_margin`).
    ///   - random: the jitter of polling waits and the holder id's random part.
    public init(
        table: InMemoryLeaseTable, host: String, clock: C, margin: Duration,
        random: @escaping @Sendable () -> UInt64 = { .random(in: .min ... .max) }
    ) {
        self.table = table
        self.host = host
        self.clock = clock
        self.margin = margin
        self.random = random
        self.holder = "\(host)/in-memory/\(UInt32(truncatingIfNeeded: random()))"
    }

    public func acquire(pair: String, timeout: Duration) async throws -> any PairLockHold {
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let askedAt = clock.now
            switch table.acquire(pair: pair, holder: holder, host: host) {
            case .acquired(let token):
                let table = self.table
                return LeaseHold(
                    fence: LeaseFence(pair: pair, holder: holder, token: token), askedAt: askedAt,
                    lease: table.lease, margin: margin, clock: clock,
                    renew: { fence, _ in table.renew(fence) }, giveBack: { table.release($0) })
            case .heldBy(let otherHost, let left):
                let pause = LeasePolling.pause(random: random)
                guard clock.now.advanced(by: pause) < deadline else {
                    throw PairLockUnavailable(
                        pair: pair, holder: LeasePolling.holderText(pair: pair, host: otherHost, left: left))
                }
                try await clock.sleep(for: pause)
            }
        }
    }
}

/// How lease drivers wait for a held pair: the same for PostgreSQL and its twin.
public enum LeasePolling {
    /// A few times a second, with jitter so that hosts do not retry in step.
    public static func pause(random: () -> UInt64) -> Duration {
        .milliseconds(200 + Int64(random() % 301))
    }

    /// Who holds the pair, for ``PairLockUnavailable``.
    public static func holderText(pair: String, host: String, left: Duration) -> String {
        let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
        return "the lease on \(pair) (host \(host), \(Int(seconds.rounded(.up)))s left)"
    }
}
