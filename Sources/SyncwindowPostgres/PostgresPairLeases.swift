import Foundation
import Logging
import PostgresNIO
import SyncwindowAudit
import SyncwindowLocks

/// Per-pair leases in PostgreSQL: what keeps two hosts off one pair. A lease has a holder,
/// an expiry judged by the database's clock (so hosts' clocks never need to agree) and a
/// fencing token that grows on every acquisition. A holder renews while it works and
/// releases when its pass is done; a host that dies or freezes leaves a lease that runs out
/// after `lease`, and the next host to try takes it over with the next token.
///
/// The holder's side is ``LeaseHold`` (shared with the in-memory twin, `InMemoryPairLeases`):
/// it never trusts its lease further than its own clock — `clock`, injected — says, and a call
/// goes out only with `margin` of it left. Production passes `ContinuousClock`; tests may pass
/// a clock that never wakes the renewal loop, or announces the waits of a poll.
public struct PostgresPairLeases: PairLocks {
    let backend: PostgresBackend
    /// This host, as `--host-id` names it: what other hosts see as the holder.
    let host: String
    /// This process among the host's (a timer's tick and an operator's override may overlap).
    let holder: String
    /// ``acquire(pair:timeout:)`` on the holder's clock (the lease's margin, renewal and
    /// polling waits): a closure made where the clock's own type is known, since the hold keeps
    /// its instants in it.
    let acquireOnClock:
        @Sendable (PostgresPairLeases, _ pair: String, _ timeout: Duration) async throws -> any PairLockHold
    /// The jitter of polling waits, and the random part of the holder id.
    let random: @Sendable () -> UInt64
    /// Leases given back at the end of pairs' passes, batched across pairs.
    let releases: PostgresWriteBatcher<PostgresBatchedWrites.Release>

    public init<C: Clock>(
        backend: PostgresBackend, host: String, clock: C,
        random: @escaping @Sendable () -> UInt64 = { .random(in: .min ... .max) }
    ) where C.Duration == Duration {
        self.backend = backend
        self.host = host
        self.random = random
        self.holder = "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(UInt32(truncatingIfNeeded: random()))"
        self.releases = PostgresWriteBatcher(backend: backend) { items, connection, logger in
            try await PostgresBatchedWrites.releases(items, on: connection, logger: logger)
        }
        self.acquireOnClock = { leases, pair, timeout in
            try await leases.acquire(pair: pair, timeout: timeout, on: clock)
        }
    }

    public func acquire(pair: String, timeout: Duration) async throws -> any PairLockHold {
        try await acquireOnClock(self, pair, timeout)
    }

    private func acquire<Holder: Clock>(pair: String, timeout: Duration, on clock: Holder) async throws
        -> any PairLockHold where Holder.Duration == Duration
    {
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let askedAt = clock.now
            switch try await tryAcquire(pair: pair) {
            case .acquired(let token):
                return LeaseHold(
                    fence: LeaseFence(pair: pair, holder: holder, token: token), askedAt: askedAt,
                    lease: backend.settings.lease, margin: backend.settings.leaseMargin, clock: clock,
                    renew: { [self] fence, limit in try await renew(fence, within: limit) },
                    giveBack: { [self] fence in try await release(fence) })
            case .heldBy(let otherHost, let secondsLeft):
                let pause = LeasePolling.pause(random: random)
                guard clock.now.advanced(by: pause) < deadline else {
                    throw PairLockUnavailable(
                        pair: pair,
                        holder: LeasePolling.holderText(
                            pair: pair, host: otherHost, left: .milliseconds(Int64(secondsLeft * 1000))))
                }
                try await clock.sleep(for: pause)
            }
        }
    }

    enum Attempt {
        case acquired(token: Int64)
        case heldBy(host: String, secondsLeft: Double)
    }

    /// Takes the lease if nobody holds it or the holder's lease ran out, in one statement.
    func tryAcquire(pair: String) async throws -> Attempt {
        let logger = backend.logger
        let milliseconds = Self.milliseconds(backend.settings.lease)
        let (holder, host) = (self.holder, self.host)
        return try await backend.withConnection { connection in
            var taken: Int64?
            for try await token in try await connection.execute(
                AcquireLeaseStatement(pair: pair, holder: holder, host: host, milliseconds: milliseconds),
                logger: logger)
            {
                taken = token
            }
            if let taken { return .acquired(token: taken) }
            let current = try await connection.query(
                """
                SELECT holder, host, EXTRACT(EPOCH FROM (expires_at - clock_timestamp()))::float8 FROM pair_lease
                WHERE pair = \(pair)
                """, logger: logger
            ).collect().first.map { try $0.decode((String, String, Double).self) }
            guard let (currentHolder, currentHost, secondsLeft) = current else {
                return .heldBy(host: "unknown", secondsLeft: 0)
            }
            // A process of this very host that died holding the lease (killed by systemd, OOM,
            // kill -9) need not be waited out: the kernel says it is gone, as it would free a flock.
            if currentHost == host, let pid = Self.processID(inHolder: currentHolder), !Self.isAlive(pid) {
                let reclaimed = try await connection.query(
                    """
                    UPDATE pair_lease SET holder = \(holder), token = token + 1, acquired_at = clock_timestamp(),
                        expires_at = clock_timestamp() + \(milliseconds) * interval '1 millisecond'
                    WHERE pair = \(pair) AND holder = \(currentHolder)
                    RETURNING token
                    """, logger: logger
                ).collect().first.map { try $0.decode(Int64.self) }
                if let reclaimed { return .acquired(token: reclaimed) }
            }
            return .heldBy(host: currentHost, secondsLeft: max(0, secondsLeft))
        }
    }

    /// Extends the lease if `fence` still holds it; false when it was lost.
    func renew(_ fence: LeaseFence, within limit: Duration? = nil) async throws -> Bool {
        let logger = backend.logger
        let milliseconds = Self.milliseconds(backend.settings.lease)
        return try await backend.withConnection(within: limit) { connection in
            var renewed = false
            for try await _ in try await connection.execute(
                RenewLeaseStatement(
                    pair: fence.pair, holder: fence.holder, token: fence.token, milliseconds: milliseconds),
                logger: logger)
            {
                renewed = true
            }
            return renewed
        }
    }

    /// Ends the lease now, so the next host need not wait for it to run out.
    func release(_ fence: LeaseFence) async throws {
        try await releases.submit(
            PostgresBatchedWrites.Release(pair: fence.pair, holder: fence.holder, token: fence.token))
    }

    /// The pid in a holder id (`HOST/PID/RANDOM`).
    static func processID(inHolder holder: String) -> pid_t? {
        let parts = holder.split(separator: "/")
        guard parts.count == 3 else { return nil }
        return pid_t(parts[1])
    }

    /// Whether a process of this host still runs. A reused pid reads as alive: then the
    /// lease is waited out, the safe way to be wrong.
    static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

extension PostgresPairLeases {
    /// The production wiring: the holder's monotonic clock, which keeps counting while the
    /// process is stopped, so a host frozen past its lease knows it when it wakes.
    public init(backend: PostgresBackend, host: String) {
        self.init(backend: backend, host: host, clock: ContinuousClock())
    }
}
