import Foundation
import Synchronization

/// A time zone's UTC offsets as a sorted table of transitions, read once from the system tzdata (``TZif``; from
/// Foundation when the zone has no file) and cached per zone, so that converting between UTC and wall time is a
/// table lookup.
///
/// Conversions follow Python's `zoneinfo` (PEP 495), which is what cronsim runs on:
/// - UTC to wall: a wall time that occurs twice gets `fold = true` the second time.
/// - wall to UTC: an ambiguous wall time maps to its first occurrence with `fold = false` and
///   its second with `fold = true`; a wall time in a spring-forward gap maps, with
///   `fold = false`, through the offset in force before the gap (02:30 in a 02:00→03:00 gap
///   is the instant 03:30 names), and with `fold = true` through the offset after it.
///
/// The table covers 1900 through 2299; outside it the offsets at its edges are used.
final class ZoneTable: Sendable {
    /// Transition instants (UTC seconds), ascending.
    let instants: [Int64]
    /// `offsets[i]` is in force from `instants[i - 1]` (or the beginning of time) to `instants[i]`;
    /// `offsets.count == instants.count + 1`.
    let offsets: [Int64]
    /// Wall-clock keys for `fold = false` and `fold = true`, as zoneinfo builds them.
    let wallKeys0: [Int64]
    let wallKeys1: [Int64]

    static let rangeStart: Int64 = -2_208_988_800  // 1900-01-01T00:00:00Z
    static let rangeEnd: Int64 = 10_413_792_000  // 2300-01-01T00:00:00Z

    /// The table of `zone`: from its TZif file when there is one, else from Foundation.
    convenience init(zone: TimeZone) {
        if let file = TZif.load(identifier: zone.identifier) {
            self.init(file)
        } else {
            self.init(foundation: zone)
        }
    }

    /// The table from a zone's TZif data.
    convenience init(_ file: TZif) {
        let changes = file.changes(from: Self.rangeStart, to: Self.rangeEnd)
        self.init(instants: changes.instants, offsets: [changes.initial] + changes.offsets)
    }

    /// The table as Foundation (ICU) gives it, one transition at a time: the way without a TZif file, and the
    /// reference the files are tested against.
    convenience init(foundation zone: TimeZone) {
        var instants: [Int64] = []
        var offsets: [Int64] = [Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.rangeStart))))]
        var cursor = Date(timeIntervalSince1970: Double(Self.rangeStart))
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor) {
            let t = Int64(next.timeIntervalSince1970.rounded(.down))
            if t >= Self.rangeEnd || t <= (instants.last ?? Int64.min) { break }
            let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
            if offset != offsets[offsets.count - 1] {
                instants.append(t)
                offsets.append(offset)
            }
            cursor = Date(timeIntervalSince1970: Double(t))
        }
        self.init(instants: instants, offsets: offsets)
    }

    /// `offsets.count == instants.count + 1`; consecutive offsets differ.
    init(instants: [Int64], offsets: [Int64]) {
        self.instants = instants
        self.offsets = offsets
        var keys0: [Int64] = []
        var keys1: [Int64] = []
        keys0.reserveCapacity(instants.count)
        keys1.reserveCapacity(instants.count)
        for (i, t) in instants.enumerated() {
            keys0.append(t + max(offsets[i], offsets[i + 1]))
            keys1.append(t + min(offsets[i], offsets[i + 1]))
        }
        self.wallKeys0 = keys0
        self.wallKeys1 = keys1
        var low: [Int64] = [Int64.min]
        var high: [Int64] = []
        for i in 0..<instants.count {
            high.append(keys1[i])
            low.append(keys0[i])
        }
        high.append(Int64.max)
        self.unambiguousLow = low
        self.unambiguousHigh = high
    }

    /// Segment `i`'s wall times in `unambiguousLow[i] ..< unambiguousHigh[i]` occur exactly once,
    /// at `wall - offsets[i]`, whatever the fold.
    let unambiguousLow: [Int64]
    let unambiguousHigh: [Int64]

    private static let cache = Mutex<[String: ZoneTable]>([:])

    /// The shared table for `zone`.
    static func forZone(_ zone: TimeZone) -> ZoneTable {
        let key = zone.identifier
        if let table = cache.withLock({ $0[key] }) { return table }
        let table = ZoneTable(zone: zone)
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = table
            return table
        }
    }

    /// Index of the segment containing `utc`: `offsets[index]` applies.
    @inline(__always)
    func segment(containing utc: Int64) -> Int {
        instants.countNotAfter(utc)
    }

    /// Start (inclusive) and end (exclusive) UTC of segment `index`.
    @inline(__always)
    func bounds(ofSegment index: Int) -> (start: Int64, end: Int64) {
        (index == 0 ? Int64.min : instants[index - 1], index == instants.count ? Int64.max : instants[index])
    }

    func offset(atUTC utc: Int64) -> Int64 {
        offsets[segment(containing: utc)]
    }

    /// Wall time and fold of a UTC instant in segment `index`.
    @inline(__always)
    func wall(utc: Int64, segment index: Int) -> (wall: Int64, fold: Bool) {
        let offset = offsets[index]
        var fold = false
        if index > 0 {
            let shift = offsets[index - 1] - offset
            fold = shift > 0 && utc < instants[index - 1] + shift
        }
        return (utc + offset, fold)
    }

    func wall(utc: Int64) -> (wall: Int64, fold: Bool) {
        wall(utc: utc, segment: segment(containing: utc))
    }

    /// The UTC instant zoneinfo gives a wall time with `fold`.
    func utc(wall: Int64, fold: Bool) -> Int64 {
        let keys = fold ? wallKeys1 : wallKeys0
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if keys[mid] <= wall { lo = mid + 1 } else { hi = mid }
        }
        return wall - offsets[lo]
    }

    /// Whether a wall time falls in a spring-forward gap (zoneinfo's "imaginary" time).
    func isImaginary(wall: Int64) -> Bool {
        self.wall(utc: utc(wall: wall, fold: false)).wall != wall
    }
}

extension [Int64] {
    /// How many of these ascending instants are at or before `instant` (the index of the first
    /// one after it), by binary search: the segment `instant` falls in, for `ZoneTable` and `TZif`.
    @inline(__always)
    func countNotAfter(_ instant: Int64) -> Int {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if self[mid] <= instant { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
