import Foundation

/// All windows, queried per pair: occurrences, what is open, merged pauses and the next edge.
public struct Schedule: Sendable {
    public var windows: [Window]

    /// How far `mergedInterval` follows a chain of back-to-back occurrences each way.
    public static let mergeHorizon: TimeInterval = 35 * 86_400

    public init(windows: [Window]) {
        self.windows = windows
    }

    /// The windows that cover `pair`, in configuration order.
    public func windows(forPair pair: String) -> [Window] {
        windows.filter { $0.pairs.includes(pair) }
    }

    /// All windows' occurrences for `pair` starting in [from, to), sorted by start then window name.
    public func occurrences(forPair pair: String, startingFrom from: Date, before to: Date) -> [Occurrence] {
        windows(forPair: pair)
            .flatMap { $0.occurrences(startingFrom: from, before: to) }
            .sorted(by: Occurrence.precedes)
    }

    /// The next `count` occurrences for `pair` starting at or after `from`.
    public func occurrences(forPair pair: String, startingFrom from: Date, count: Int) -> [Occurrence] {
        Array(
            windows(forPair: pair)
                .flatMap { $0.occurrences(startingFrom: from, count: count) }
                .sorted(by: Occurrence.precedes)
                .prefix(max(0, count)))
    }

    /// Occurrences for `pair` open at `instant` (start <= instant < end), sorted.
    public func openOccurrences(forPair pair: String, at instant: Date) -> [Occurrence] {
        windows(forPair: pair)
            .flatMap { $0.occurrences(openAt: instant) }
            .sorted(by: Occurrence.precedes)
    }

    /// The merged pause interval containing `instant`: occurrences of any of the pair's
    /// windows that overlap or touch merge, from the earliest open to the latest close.
    /// Nil when none is open. A chain is followed at most `mergeHorizon` each way.
    ///
    /// The chain is walked a chunk of time at a time (a day, or the longest window if
    /// longer), asking every window once per chunk, so a chain of N back-to-back
    /// occurrences costs O(N) occurrences and O(windows) per chunk, not a round over every
    /// window per link: with thousands of abutting windows that was quadratic.
    public func mergedInterval(forPair pair: String, at instant: Date) -> DateInterval? {
        let windows = windows(forPair: pair)
        let open = windows.flatMap { $0.occurrences(openAt: instant) }
        guard !open.isEmpty else { return nil }
        let t = instant.timeIntervalSince1970
        let longest = windows.map(\.duration).max() ?? 0
        let chunk = max(longest, 86_400)
        var low = open.map(\.start.timeIntervalSince1970).min()!
        var high = open.map(\.end.timeIntervalSince1970).max()!

        // Forward: occurrences starting in (scanned, scanned + chunk], in order of start, each
        // extending the close if it starts by then.
        var scanned = t
        while high > scanned && high <= t + Self.mergeHorizon {
            let chunkEnd = scanned + chunk
            for occurrence in Self.occurrences(of: windows, after: scanned, through: chunkEnd)
                .sorted(by: { $0.start < $1.start })
            where occurrence.start.timeIntervalSince1970 <= high {
                high = max(high, occurrence.end.timeIntervalSince1970)
            }
            scanned = chunkEnd
        }

        // Backward: occurrences starting in [reached - chunk, reached), latest start first, each
        // moving the open earlier if it is still open at the current earliest open. Nothing
        // starting before `reached` can touch `low` once `low` is a longest window past it.
        var reached = low
        while low >= t - Self.mergeHorizon && low < reached + longest {
            let chunkStart = reached - chunk
            for occurrence in Self.occurrences(of: windows, after: chunkStart - 0.5, through: reached - 0.5)
                .sorted(by: { $0.start > $1.start })
            where occurrence.end.timeIntervalSince1970 >= low {
                low = min(low, occurrence.start.timeIntervalSince1970)
            }
            reached = chunkStart
        }
        return DateInterval(start: Date(timeIntervalSince1970: low), end: Date(timeIntervalSince1970: high))
    }

    /// Every window's occurrences starting in (after, through].
    private static func occurrences(of windows: [Window], after: Double, through: Double) -> [Occurrence] {
        var result: [Occurrence] = []
        for window in windows {
            var iterator = OccurrenceIterator(window: window, after: after)
            while let occurrence = iterator.next(through: through) { result.append(occurrence) }
        }
        return result
    }

    /// The next instant strictly after `instant` at which any occurrence of any window (for
    /// any pair) opens or closes; nil if none within `horizon` seconds.
    public func nextEdge(after instant: Date, horizon: TimeInterval) -> Date? {
        let t = instant.timeIntervalSince1970
        let limit = t + horizon
        var best = Double.infinity
        for window in windows {
            var iterator = OccurrenceIterator(window: window, after: t - window.duration)
            var sawEnd = false
            while let occurrence = iterator.next(through: min(limit, best)) {
                let start = occurrence.start.timeIntervalSince1970
                let end = occurrence.end.timeIntervalSince1970
                if !sawEnd {
                    // The first occurrence found ends after `instant`: its close is this window's next close.
                    sawEnd = true
                    if end > t { best = min(best, end) }
                }
                if start > t {
                    best = min(best, start)
                    break
                }
            }
        }
        return best <= limit ? Date(timeIntervalSince1970: best) : nil
    }
}
