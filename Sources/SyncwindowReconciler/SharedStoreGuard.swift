import Foundation

/// What a host checks before it acts on a shared store (PostgreSQL): that its clock agrees
/// with the store's, and that it runs the configuration in effect. Leases keep two hosts off
/// one pair at a time, but the schedule is read on each host's own clock and configuration:
/// a host whose clock is hours off, or whose windows differ, would undo what the others do
/// one pass after another. Such a host stands down (see ``StandDown``). Nil on SQLite: one
/// host, one clock, one configuration.
public struct SharedStoreGuard: Sendable {
    /// This host, as `--host-id` names it in the trail.
    public var host: String
    /// `store.postgres.max_clock_skew`: how far this host's clock may be from the store's.
    public var maxClockSkew: TimeInterval
    /// Reads the store's clock, with this host's wall clock read just before and just after.
    public var readClock: @Sendable () async throws -> StoreClockReading

    public init(
        host: String, maxClockSkew: TimeInterval,
        readClock: @escaping @Sendable () async throws -> StoreClockReading
    ) {
        self.host = host
        self.maxClockSkew = maxClockSkew
        self.readClock = readClock
    }

    /// How far a pass's instant may be behind the newest event of a pair it acts on: two hosts
    /// each within ``maxClockSkew`` of the store can be twice that apart.
    public var trailOrderTolerance: TimeInterval { 2 * maxClockSkew }
}

/// One reading of the store's clock (`clock_timestamp()`), bracketed by this host's wall clock.
public struct StoreClockReading: Sendable, Equatable {
    public var storeNow: Date
    /// This host's wall clock just before the question was sent, and just after the answer came.
    public var sentAt: Date
    public var answeredAt: Date
    /// The database is marked as a rehearsal store (`syncwindow.rehearsal = on`): a throwaway
    /// store where `--at` stands for the store's clock, so the skew is not judged.
    public var rehearsal: Bool

    public init(storeNow: Date, sentAt: Date, answeredAt: Date, rehearsal: Bool) {
        self.storeNow = storeNow
        self.sentAt = sentAt
        self.answeredAt = answeredAt
        self.rehearsal = rehearsal
    }
}

/// How far this host's clock is from the store's, measured once per pass.
public struct ClockSkew: Sendable, Equatable {
    /// The store's clock, and this host's (with `--at`'s offset) at the middle of the round trip.
    public var storeNow: Date
    public var hostNow: Date
    public var roundTrip: TimeInterval
    public var tolerance: TimeInterval
    public var rehearsal: Bool

    /// The store's clock minus this host's: positive when this host is behind.
    public var seconds: TimeInterval { storeNow.timeIntervalSince(hostNow) }

    /// The answer was read somewhere within the round trip: half of it is the uncertainty of
    /// the measurement itself, allowed on top of the tolerance.
    public var allowed: TimeInterval { tolerance + roundTrip / 2 }

    /// Whether this host may act: within tolerance, or on a rehearsal store.
    public var isAcceptable: Bool { rehearsal || abs(seconds) <= allowed }

    /// - Parameter hostClockOffset: what `--at` adds to this host's wall clock (0 without it).
    public init(_ reading: StoreClockReading, hostClockOffset: TimeInterval, tolerance: TimeInterval) {
        let roundTrip = max(0, reading.answeredAt.timeIntervalSince(reading.sentAt))
        storeNow = reading.storeNow
        hostNow = reading.sentAt.addingTimeInterval(roundTrip / 2 + hostClockOffset)
        self.roundTrip = roundTrip
        self.tolerance = tolerance
        rehearsal = reading.rehearsal
    }
}
