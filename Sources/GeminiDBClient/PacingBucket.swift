/// The pace of the calls to one API of one project at one endpoint (``RateLimiter``): at most `ceiling` calls a
/// second, spread evenly — a burst of a tenth of a second's worth at most — so that a fleet spends the gateway's
/// quota instead of bursting into it. Pure arithmetic on seconds of an injected clock, so tests drive it without
/// sleeping.
///
/// A 429 slows it down (the rate halves, at most once a second, never below 5 % of the ceiling) and holds every
/// call of the bucket until the gateway's `Retry-After` has passed; after a quiet second the rate climbs back by a
/// tenth of the ceiling a second. Additive increase, multiplicative decrease: the gateway's quota is unknown (a
/// tenant's may be lower than the documented 200/s) and other clients share it, so the pace has to find it from
/// the 429s alone; halving gets below it within a few cuts wherever it is, the slow climb keeps the 429s of each
/// probe to a few calls instead of a burst (docs/design.md, "Pacing to the gateway's quota").
public struct PacingBucket: Sendable, Equatable {
    /// Calls a second at most (`cloud.rate_limit`).
    public let ceiling: Double
    /// Calls that may go back to back after an idle spell.
    public let burst: Double
    /// When the next call would go if none were let through early (GCRA's theoretical arrival time).
    private var nextSlot: Double
    /// No call goes before this: the end of the latest `Retry-After`.
    public private(set) var blockedUntil: Double
    /// The rate right after the latest cut, and when it was made.
    private var cut: (rate: Double, at: Double)?
    /// Changes whenever a 429 resets the pace: a call that reserved its slot before then reserves again.
    public private(set) var generation = 0

    static let cutFactor = 0.5
    static let floorShare = 0.05
    /// Seconds after a cut before the rate climbs again, and between two cuts (the 429s of calls already in
    /// flight answer for the same overshoot).
    static let quiet = 1.0
    /// Of the ceiling, a second.
    static let recoveryShare = 0.1

    public init(ceiling: Double, at now: Double) {
        self.ceiling = max(ceiling, 0.001)
        burst = max(1, (self.ceiling / 10).rounded(.down))
        nextSlot = now
        blockedUntil = now
    }

    public static func == (lhs: PacingBucket, rhs: PacingBucket) -> Bool {
        lhs.ceiling == rhs.ceiling && lhs.nextSlot == rhs.nextSlot && lhs.blockedUntil == rhs.blockedUntil
            && lhs.cut?.rate == rhs.cut?.rate && lhs.cut?.at == rhs.cut?.at && lhs.generation == rhs.generation
    }

    /// Calls a second allowed at `now`.
    public func rate(at now: Double) -> Double {
        guard let cut else { return ceiling }
        let climbing = max(0, now - cut.at - Self.quiet)
        return min(ceiling, cut.rate + ceiling * Self.recoveryShare * climbing)
    }

    /// Reserves a slot for one call asked for at `now`: the seconds to wait before sending it. Calls reserved
    /// together queue one interval apart, after the burst.
    public mutating func reserve(at now: Double) -> Double {
        let interval = 1 / rate(at: now)
        let sendAt = max(now, nextSlot - (burst - 1) * interval, blockedUntil)
        nextSlot = max(nextSlot, sendAt) + interval
        return sendAt - now
    }

    /// A call was answered 429 at `now`, asking to retry after `retryAfter` seconds (nil: not said). Every call
    /// of the bucket waits that long, the rate is cut, and the calls queued at the old pace queue again
    /// (``generation``), the first at the end of the wait and the rest one new interval apart: no burst.
    public mutating func throttled(at now: Double, retryAfter: Double?) {
        if cut.map({ now - $0.at >= Self.quiet }) ?? true {
            cut = (max(ceiling * Self.floorShare, rate(at: now) * Self.cutFactor), now)
        }
        blockedUntil = max(blockedUntil, now + max(0, retryAfter ?? 0))
        nextSlot = blockedUntil + (burst - 1) / rate(at: blockedUntil)
        generation += 1
    }
}
