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
/// The holder never trusts its lease further than its own monotonic clock says: the lease
/// counts from the moment *before* the acquiring or renewing statement was sent, and a call
/// goes out only with `margin` of it left (``PostgresLeaseHold/confirmBeforeCall()``).
public struct PostgresPairLeases: PairLocks {
    let backend: PostgresBackend
    /// This host, as `--host-id` names it: what other hosts see as the holder.
    let host: String
    /// This process among the host's (a timer's tick and an operator's override may overlap).
    let holder: String
    let clock = ContinuousClock()
    /// Leases given back at the end of pairs' passes, batched across pairs.
    let releases: PostgresWriteBatcher<PostgresBatchedWrites.Release>

    public init(backend: PostgresBackend, host: String) {
        self.backend = backend
        self.host = host
        self.holder = "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(UInt32.random(in: 0...UInt32.max))"
        self.releases = PostgresWriteBatcher(backend: backend) { items, connection, logger in
            try await PostgresBatchedWrites.releases(items, on: connection, logger: logger)
        }
    }

    public func acquire(pair: String, timeout: Duration) async throws -> any PairLockHold {
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let askedAt = clock.now
            switch try await tryAcquire(pair: pair) {
            case .acquired(let token):
                let hold = PostgresLeaseHold(
                    leases: self, fence: LeaseFence(pair: pair, holder: holder, token: token),
                    validUntil: askedAt.advanced(by: backend.settings.lease))
                hold.startRenewing()
                return hold
            case .heldBy(let otherHost, let secondsLeft):
                // Poll a few times a second, with jitter so that hosts do not retry in step.
                let pause = Duration.milliseconds(Int64.random(in: 200...500))
                guard clock.now.advanced(by: pause) < deadline else {
                    throw PairLockUnavailable(
                        pair: pair,
                        holder: "the lease on \(pair) (host \(otherHost), \(Int(secondsLeft.rounded(.up)))s left)")
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

/// A held lease: renewed in the background every third of its length, and confirmed
/// (renewed, then measured) immediately before every call.
public final class PostgresLeaseHold: PairLockHold, @unchecked Sendable {
    let leases: PostgresPairLeases
    public let fence: LeaseFence?
    private let lock = NSLock()
    private var validUntil: ContinuousClock.Instant
    private var lost: String?
    private var renewing: Task<Void, Never>?

    init(leases: PostgresPairLeases, fence: LeaseFence, validUntil: ContinuousClock.Instant) {
        self.leases = leases
        self.fence = fence
        self.validUntil = validUntil
    }

    var settings: (lease: Duration, margin: Duration) {
        (leases.backend.settings.lease, leases.backend.settings.leaseMargin)
    }

    func startRenewing() {
        let interval = settings.lease / 3
        // Owner: this hold. `release()` (which every pass reaches, thrown or not) cancels it; it holds
        // the hold weakly, so a hold dropped unreleased stops it at the next wake-up.
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self else { return }
                _ = try? await self.renew()
            }
        }
        lock.withLock { renewing = task }
    }

    /// Stops the background renewal, as a frozen or dying process would: for tests of takeover.
    public func stopRenewingForTests() {
        lock.withLock { renewing }?.cancel()
    }

    /// Renews, and records the loss if the lease is gone. Errors reaching the database
    /// leave the lease as it was: the monotonic deadline still bounds it.
    @discardableResult
    func renew(within limit: Duration? = nil) async throws -> Bool {
        guard let fence, lock.withLock({ lost == nil }) else { return false }
        let askedAt = leases.clock.now
        if try await leases.renew(fence, within: limit) {
            lock.withLock { validUntil = max(validUntil, askedAt.advanced(by: settings.lease)) }
            return true
        }
        lock.withLock { lost = lost ?? "another host took it over, or it ran out" }
        return false
    }

    public func confirmBeforeCall() async throws {
        guard let fence else { return }
        if let lost = lock.withLock({ lost }) { throw PairLeaseLost(pair: fence.pair, reason: lost) }
        // Renewed within the last third of its length: enough. Otherwise renew now — but never
        // wait for the database past the point where the margin would be gone anyway.
        let left = lock.withLock { validUntil } - leases.clock.now
        if left < settings.lease * 2 / 3 && left > settings.margin {
            do {
                try await renew(within: left - settings.margin)
            } catch {
                // The database did not answer: the lease may still hold, but only the margin says so.
            }
        }
        try confirmMargin(fence)
    }

    private func confirmMargin(_ fence: LeaseFence) throws {
        if let lost = lock.withLock({ lost }) { throw PairLeaseLost(pair: fence.pair, reason: lost) }
        let left = lock.withLock { validUntil } - leases.clock.now
        guard left >= settings.margin else {
            throw PairLeaseLost(
                pair: fence.pair,
                reason: "less than the \(settings.margin.components.seconds)s safety margin of the lease is left")
        }
    }

    public func release() async {
        let task = lock.withLock { () -> Task<Void, Never>? in
            defer { renewing = nil }
            return renewing
        }
        task?.cancel()
        guard let fence, lock.withLock({ lost == nil }) else { return }
        // A release that fails leaves a lease that runs out by itself.
        try? await leases.release(fence)
    }
}
