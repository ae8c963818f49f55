import Foundation
import SyncwindowCivilTime

extension Window {
    /// Occurrences whose start is in [from, to), honouring `enabled`, `activeFrom`/`activeUntil`
    /// and `exceptDates` (local dates of the start in the window's zone). Sorted by start.
    public func occurrences(startingFrom from: Date, before to: Date) -> [Occurrence] {
        var result: [Occurrence] = []
        var iterator = OccurrenceIterator(window: self, after: from.timeIntervalSince1970 - 1)
        let lower = from.timeIntervalSince1970
        let upper = to.timeIntervalSince1970
        while let occurrence = iterator.next(through: upper) {
            let start = occurrence.start.timeIntervalSince1970
            if start >= upper { break }
            if start >= lower { result.append(occurrence) }
        }
        return result
    }

    /// Occurrences open at `instant` (start <= instant < end), sorted by start.
    public func occurrences(openAt instant: Date) -> [Occurrence] {
        let t = instant.timeIntervalSince1970
        var iterator = OccurrenceIterator(window: self, after: t - duration)
        var result: [Occurrence] = []
        while let occurrence = iterator.next(through: t) {
            if occurrence.isOpen(at: instant) { result.append(occurrence) }
        }
        return result
    }

    /// The first `count` occurrences starting at or after `from`.
    public func occurrences(startingFrom from: Date, count: Int) -> [Occurrence] {
        var result: [Occurrence] = []
        guard count > 0 else { return result }
        var iterator = OccurrenceIterator(window: self, after: from.timeIntervalSince1970 - 1)
        while result.count < count, let occurrence = iterator.next(through: .infinity) {
            if occurrence.start >= from { result.append(occurrence) }
        }
        return result
    }

    /// The next occurrence starting strictly after `instant`, if any within cronsim's horizon.
    public func nextOccurrence(after instant: Date) -> Occurrence? {
        var iterator = OccurrenceIterator(window: self, after: instant.timeIntervalSince1970)
        return iterator.next(through: .infinity)
    }
}

/// The filtered starts of one window, in order.
struct OccurrenceIterator {
    let window: Window
    let table: ZoneTable
    var cron: CronIterator?
    let fromDay: Int64?
    let untilDay: Int64?
    let exceptDays: Set<Int64>

    /// Starts strictly after `after` (UTC seconds).
    init(window: Window, after: Double) {
        self.window = window
        self.table = ZoneTable.forZone(window.timeZone)
        self.fromDay = window.activeFrom?.dayNumber
        self.untilDay = window.activeUntil?.dayNumber
        self.exceptDays = Set(window.exceptDates.map(\.dayNumber))
        guard window.enabled else {
            cron = nil
            return
        }
        var start = after
        if let activeFrom = window.activeFrom {
            // Nothing opens before the first instant of active_from; skip ahead.
            start = max(start, activeFrom.startInstant(in: window.timeZone).timeIntervalSince1970 - 1)
        }
        cron = CronIterator(spec: window.cron.spec, table: table, after: Date(timeIntervalSince1970: start))
    }

    /// The next occurrence whose start is at most `through`; nil when there is none.
    mutating func next(through: Double) -> Occurrence? {
        guard let start = nextStart(through: through) else { return nil }
        let startDate = Date(timeIntervalSince1970: Double(start))
        return Occurrence(window: window.name, start: startDate, end: startDate + window.duration)
    }

    /// The start (UTC seconds) of the next occurrence whose start is at most `through`; nil when there is none.
    mutating func nextStart(through: Double) -> Int64? {
        while let start = cron?.next() {
            if Double(start) > through {
                cron = nil
                return nil
            }
            if fromDay != nil || untilDay != nil || !exceptDays.isEmpty {
                let day = CivilTime.floorDiv(table.wall(utc: start).wall, 86_400)
                if let untilDay, day > untilDay {
                    cron = nil
                    return nil
                }
                if let fromDay, day < fromDay { continue }
                if exceptDays.contains(day) { continue }
            }
            return start
        }
        cron = nil
        return nil
    }
}
