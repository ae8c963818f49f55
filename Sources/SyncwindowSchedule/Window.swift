import Foundation

/// Which pairs a window applies to.
public enum PairSelector: Sendable, Equatable {
    case all
    case named([String])

    public func includes(_ pair: String) -> Bool {
        switch self {
        case .all: true
        case .named(let names): names.contains(pair)
        }
    }
}

/// One maintenance window, validated: a cron read in a time zone, an elapsed duration,
/// the pairs it covers and its validity rules.
public struct Window: Sendable, Equatable {
    public var name: String
    public var cron: CronExpression
    public var timeZone: TimeZone
    /// Elapsed length in seconds (1 minute ... 24 hours).
    public var duration: TimeInterval
    public var pairs: PairSelector
    /// Do not start a pause with less than this many seconds of the window left.
    public var cutoff: TimeInterval
    public var activeFrom: LocalDate?
    public var activeUntil: LocalDate?
    public var exceptDates: Set<LocalDate>
    public var enabled: Bool

    public init(
        name: String,
        cron: CronExpression,
        timeZone: TimeZone,
        duration: TimeInterval,
        pairs: PairSelector,
        cutoff: TimeInterval = 0,
        activeFrom: LocalDate? = nil,
        activeUntil: LocalDate? = nil,
        exceptDates: Set<LocalDate> = [],
        enabled: Bool = true
    ) {
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.duration = duration
        self.pairs = pairs
        self.cutoff = cutoff
        self.activeFrom = activeFrom
        self.activeUntil = activeUntil
        self.exceptDates = exceptDates
        self.enabled = enabled
    }
}
