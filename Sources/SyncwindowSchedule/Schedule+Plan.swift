import Foundation
import Synchronization

/// One line of a plan: a pair, one of its windows, and when that occurrence opens. Indices, not names, so that
/// a year of rows sorts and prints without comparing or copying a string.
public struct PlanRow: Sendable, Equatable {
    /// Index into the pairs the plan was asked for.
    public var pair: Int
    /// Index into the schedule's ``Schedule/windows``.
    public var window: Int
    /// The occurrence's start, UTC seconds; it ends the window's `duration` later.
    public var start: Int64

    public init(pair: Int, window: Int, start: Int64) {
        self.pair = pair
        self.window = window
        self.start = start
    }
}

extension Schedule {
    /// The occurrences of `pairs` that start in [from, to), in the order `plan` lists them: by start, then pair
    /// name, then window name. The same occurrences as ``occurrences(forPair:startingFrom:before:)`` for each
    /// pair, but each window's starts are found once however many pairs it covers, and the order comes from
    /// integer keys.
    public func plan(pairs: [String], startingFrom from: Date, before to: Date) -> [PlanRow] {
        let order = PlanOrder(schedule: self, pairs: pairs)
        let inUse = order.windowsInUse
        let lower = from.timeIntervalSince1970
        let upper = to.timeIntervalSince1970
        // Windows are independent: find their starts on every core (each builds its zone's table on first use
        // too), then merge the sorted lists.
        let found = Mutex([[Int64]](repeating: [], count: inUse.count))
        let windows = self.windows
        let enumerate = { @Sendable (index: Int) in
            var iterator = OccurrenceIterator(window: windows[inUse[index]], after: lower - 1)
            var starts: [Int64] = []
            while let start = iterator.nextStart(through: upper) {
                if Double(start) >= upper { break }
                if Double(start) >= lower { starts.append(start) }
            }
            found.withLock { $0[index] = starts }
        }
        if inUse.count > 1 {
            DispatchQueue.concurrentPerform(iterations: inUse.count, execute: enumerate)
        } else {
            inUse.indices.forEach(enumerate)
        }
        return found.withLock { order.rows(merging: $0) }
    }

    /// The next `count` occurrences of each of `pairs` starting at or after `from`, in the order `plan` lists
    /// them. The same occurrences as ``occurrences(forPair:startingFrom:count:)`` for each pair.
    public func plan(pairs: [String], startingFrom from: Date, count: Int) -> [PlanRow] {
        guard count > 0 else { return [] }
        let order = PlanOrder(schedule: self, pairs: pairs)
        var starts: [Int: [PlanOrder.Entry]] = [:]
        for window in order.windowsInUse {
            var iterator = OccurrenceIterator(window: windows[window], after: from.timeIntervalSince1970 - 1)
            var found: [PlanOrder.Entry] = []
            while found.count < count, let start = iterator.nextStart(through: .infinity) {
                if Double(start) >= from.timeIntervalSince1970 {
                    found.append(order.entry(start: start, window: window))
                }
            }
            starts[window] = found
        }
        var rows: [PlanOrder.Entry] = []
        let windowsByPair = order.windowsByPair()
        for pair in pairs.indices {
            var merged = windowsByPair[pair].flatMap { starts[$0] ?? [] }
            merged.sort(by: PlanOrder.Entry.precedes)
            rows += merged.prefix(count).map { entry in
                var row = entry
                row.pairRank = order.pairRank[pair]
                return row
            }
        }
        rows.sort(by: PlanOrder.Entry.precedes)
        return rows.map { PlanRow(pair: order.pairByRank[$0.pairRank], window: $0.window, start: $0.start) }
    }
}

/// Ranks of pair and window names, so rows sort by integers in the order their names sort.
struct PlanOrder: Sendable {
    /// A start of a window, and once it is a row, its pair.
    struct Entry: Sendable {
        var start: Int64
        var windowRank: Int
        var window: Int
        var pairRank = 0

        @inline(__always)
        static func precedes(_ a: Entry, _ b: Entry) -> Bool {
            if a.start != b.start { return a.start < b.start }
            if a.pairRank != b.pairRank { return a.pairRank < b.pairRank }
            if a.windowRank != b.windowRank { return a.windowRank < b.windowRank }
            return a.window < b.window
        }
    }

    let windowRank: [Int]
    let pairRank: [Int]
    let pairByRank: [Int]
    /// Per window, the ranks of the asked-for pairs it covers, ascending.
    let coveredPairRanks: [[Int]]
    /// Windows covering at least one asked-for pair, in configuration order.
    let windowsInUse: [Int]

    init(schedule: Schedule, pairs: [String]) {
        let windows = schedule.windows
        let windowsByName = windows.indices.sorted { (windows[$0].name, $0) < (windows[$1].name, $1) }
        var windowRank = [Int](repeating: 0, count: windows.count)
        for (rank, window) in windowsByName.enumerated() { windowRank[window] = rank }
        let pairsByName = pairs.indices.sorted { (pairs[$0], $0) < (pairs[$1], $1) }
        var pairRank = [Int](repeating: 0, count: pairs.count)
        for (rank, pair) in pairsByName.enumerated() { pairRank[pair] = rank }
        // By name, not `PairSelector.includes` per pair and window: thousands of pairs under named lists stay
        // linear.
        var indicesByName: [String: [Int]] = [:]
        for (index, pair) in pairs.enumerated() { indicesByName[pair, default: []].append(index) }
        let everyRank = Array(pairs.indices)
        let covered = windows.map { window -> [Int] in
            switch window.pairs {
            case .all: everyRank
            case .named(let names): Set(names).flatMap { indicesByName[$0] ?? [] }.map { pairRank[$0] }.sorted()
            }
        }
        self.windowRank = windowRank
        self.pairRank = pairRank
        self.pairByRank = pairsByName
        self.coveredPairRanks = covered
        self.windowsInUse = windows.indices.filter { !covered[$0].isEmpty }
    }

    func entry(start: Int64, window: Int) -> Entry {
        Entry(start: start, windowRank: windowRank[window], window: window)
    }

    /// Per pair index, the windows covering it, in configuration order.
    func windowsByPair() -> [[Int]] {
        var result = [[Int]](repeating: [], count: pairRank.count)
        for window in windowsInUse {
            for rank in coveredPairRanks[window] { result[pairByRank[rank]].append(window) }
        }
        return result
    }

    /// The starts of each window in use (`lists[i]` of `windowsInUse[i]`, each sorted) to rows sorted by
    /// (start, pair, window): a heap merge by (start, window rank), each start one row per pair its window
    /// covers. The heap holds one integer per list, the start above the window's rank in the low bits.
    func rows(merging lists: [[Int64]]) -> [PlanRow] {
        let total = lists.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [] }
        let low = lists.compactMap(\.first).min()!
        let high = lists.compactMap(\.last).max()!
        let rankBits = max(1, Int.bitWidth - (windowRank.count - 1).leadingZeroBitCount)
        guard rankBits < 32, high - low < Int64(1) << (62 - rankBits) else { return rowsBySorting(lists) }
        let rankMask = (Int64(1) << rankBits) - 1
        // All starts in one array, list after list; the list of each window rank.
        var starts: [Int64] = []
        starts.reserveCapacity(total)
        var ends: [Int] = []
        for list in lists {
            starts += list
            ends.append(starts.count)
        }
        var listOfRank = [Int](repeating: -1, count: windowRank.count)
        for list in lists.indices { listOfRank[windowRank[windowsInUse[list]]] = list }
        // The pair of each window that covers exactly one of those asked for, else -1.
        let onlyPair = coveredPairRanks.map { $0.count == 1 ? pairByRank[$0[0]] : -1 }
        var next = [Int](repeating: 0, count: lists.count)
        var heap: [Int64] = []
        for list in lists.indices where !lists[list].isEmpty {
            next[list] = (list == 0 ? 0 : ends[list - 1]) + 1
            heap.append((lists[list][0] - low) << rankBits | Int64(windowRank[windowsInUse[list]]))
        }
        var rows: [PlanRow] = []
        rows.reserveCapacity(total)
        var group: [Entry] = []
        starts.withUnsafeBufferPointer { starts in
            heap.withUnsafeMutableBufferPointer { buffer in
                var heap = MinHeap(buffer)
                heap.heapify()
                while heap.count > 0 {
                    let top = heap.top
                    let rank = Int(top & rankMask)
                    let list = listOfRank[rank]
                    // The next start of the same list takes the top's place, or the list is done.
                    let position = next[list]
                    if position < ends[list] {
                        heap.replaceTop((starts[position] - low) << rankBits | Int64(rank))
                        next[list] = position + 1
                    } else {
                        heap.removeTop()
                    }
                    let start = (top >> rankBits) + low
                    let window = windowsInUse[list]
                    // Windows opening at the same instant come out by window rank; with one pair each, that is
                    // already the order of their rows.
                    let sameStartNext = heap.count > 0 && heap.top >> rankBits == top >> rankBits
                    if group.isEmpty && !sameStartNext && onlyPair[window] >= 0 {
                        rows.append(PlanRow(pair: onlyPair[window], window: window, start: start))
                        continue
                    }
                    group.append(Entry(start: start, windowRank: rank, window: window))
                    if !sameStartNext {
                        let pair = onlyPair[group[0].window]
                        if pair >= 0 && group.allSatisfy({ onlyPair[$0.window] == pair }) {
                            // One pair for all of them: already in window order.
                            for entry in group { rows.append(PlanRow(pair: pair, window: entry.window, start: start)) }
                        } else {
                            appendRows(of: group, to: &rows)
                        }
                        group.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        return rows
    }

    /// The rows of windows opening at one instant, ordered by pair, then window.
    private func appendRows(of group: [Entry], to rows: inout [PlanRow]) {
        var expanded: [Entry] = []
        for entry in group {
            for rank in coveredPairRanks[entry.window] {
                var row = entry
                row.pairRank = rank
                expanded.append(row)
            }
        }
        if group.count > 1 { expanded.sort(by: Entry.precedes) }
        for row in expanded {
            rows.append(PlanRow(pair: pairByRank[row.pairRank], window: row.window, start: row.start))
        }
    }

    /// The same rows by one sort, for starts too far apart to share an integer with a window rank.
    func rowsBySorting(_ lists: [[Int64]]) -> [PlanRow] {
        var entries: [Entry] = []
        for (list, starts) in lists.enumerated() {
            let window = windowsInUse[list]
            for start in starts {
                for rank in coveredPairRanks[window] {
                    entries.append(Entry(start: start, windowRank: windowRank[window], window: window, pairRank: rank))
                }
            }
        }
        entries.sort(by: Entry.precedes)
        return entries.map { PlanRow(pair: pairByRank[$0.pairRank], window: $0.window, start: $0.start) }
    }
}

/// A binary min-heap of integers in a buffer it does not own.
struct MinHeap {
    private let items: UnsafeMutableBufferPointer<Int64>
    private(set) var count: Int

    init(_ items: UnsafeMutableBufferPointer<Int64>) {
        self.items = items
        self.count = items.count
    }

    var top: Int64 { items[0] }

    mutating func heapify() {
        var index = count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    mutating func replaceTop(_ value: Int64) {
        items[0] = value
        siftDown(from: 0)
    }

    mutating func removeTop() {
        count -= 1
        if count > 0 {
            items[0] = items[count]
            siftDown(from: 0)
        }
    }

    private func siftDown(from start: Int) {
        let value = items[start]
        var parent = start
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count && items[child + 1] < items[child] { child += 1 }
            if items[child] >= value { break }
            items[parent] = items[child]
            parent = child
        }
        items[parent] = value
    }
}
