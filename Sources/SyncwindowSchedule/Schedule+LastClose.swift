import Foundation

extension Schedule {
    /// The latest close at or before `instant` of any occurrence of `pair`'s windows, looking back at
    /// most `mergeHorizon` (35 days); nil when none closed in that span. For the metric of a pair held
    /// paused past its windows: asked only for such pairs, so walking a month of occurrences is rare.
    public func lastClose(forPair pair: String, atOrBefore instant: Date) -> Date? {
        let t = instant.timeIntervalSince1970
        var latest: Double?
        for window in windows(forPair: pair) {
            var iterator = OccurrenceIterator(window: window, after: t - Self.mergeHorizon - window.duration)
            while let occurrence = iterator.next(through: t) {
                let end = occurrence.end.timeIntervalSince1970
                if end <= t { latest = max(latest ?? end, end) }
            }
        }
        return latest.map(Date.init(timeIntervalSince1970:))
    }
}
