import Foundation

/// An occurrence the cron alone would have opened but the window's `enabled`, `except` or active range
/// suppressed, and why: worth an audit line and a mark on the report, since an auditor asks "why not?".
public struct SuppressedOccurrence: Sendable, Equatable {
    public var occurrence: Occurrence
    public var reason: String

    public init(occurrence: Occurrence, reason: String) {
        self.occurrence = occurrence
        self.reason = reason
    }
}

extension Window {
    /// The occurrences open at `instant` that only `enabled`, `except` or the active range keep shut.
    public func suppressedOccurrences(openAt instant: Date) -> [SuppressedOccurrence] {
        suppressed(unrestricted.occurrences(openAt: instant), opened: occurrences(openAt: instant))
    }

    /// The occurrences starting in [from, to) that only `enabled`, `except` or the active range keep shut.
    public func suppressedOccurrences(startingFrom from: Date, before to: Date) -> [SuppressedOccurrence] {
        suppressed(
            unrestricted.occurrences(startingFrom: from, before: to),
            opened: occurrences(startingFrom: from, before: to))
    }

    /// The window as its cron alone opens it.
    private var unrestricted: Window {
        var window = self
        window.enabled = true
        window.exceptDates = []
        window.activeFrom = nil
        window.activeUntil = nil
        return window
    }

    private func suppressed(_ all: [Occurrence], opened: [Occurrence]) -> [SuppressedOccurrence] {
        let opened = Set(opened)
        return all.filter { !opened.contains($0) }.map {
            SuppressedOccurrence(occurrence: $0, reason: suppressionReason($0))
        }
    }

    /// Disabled first, then an exception date (the occurrence's start date in the window's zone), else the range.
    private func suppressionReason(_ occurrence: Occurrence) -> String {
        if !enabled { return "window disabled" }
        let day = LocalDate(containing: occurrence.start, in: timeZone)
        if exceptDates.contains(day) { return "exception date \(day)" }
        return "outside the window's active dates"
    }
}

extension Schedule {
    /// Each of the pair's windows' suppressed occurrences open at `instant`, window by window.
    public func suppressedOccurrences(forPair pair: String, openAt instant: Date) -> [SuppressedOccurrence] {
        windows(forPair: pair).flatMap { $0.suppressedOccurrences(openAt: instant) }
    }

    /// The pair's suppressed occurrences starting in [from, to), by start.
    public func suppressedOccurrences(forPair pair: String, startingFrom from: Date, before to: Date)
        -> [SuppressedOccurrence]
    {
        windows(forPair: pair).flatMap { $0.suppressedOccurrences(startingFrom: from, before: to) }
            .sorted { $0.occurrence.start < $1.occurrence.start }
    }
}
