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
    /// covers.
    func rows(merging lists: [[Int64]]) -> [PlanRow] {
        var rows: [PlanRow] = []
        rows.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        var heap = StartHeap()
        var next = [Int](repeating: 1, count: lists.count)
        for (list, starts) in lists.enumerated() where !starts.isEmpty {
            heap.push(.init(start: starts[0], rank: windowRank[windowsInUse[list]], list: list))
        }
        var group: [Entry] = []
        while let first = heap.pop() {
            // Every window opening at this instant, in window-rank order.
            group.removeAll(keepingCapacity: true)
            var head: StartHeap.Item? = first
            while let item = head, item.start == first.start {
                let window = windowsInUse[item.list]
                group.append(Entry(start: item.start, windowRank: item.rank, window: window))
                let position = next[item.list]
                if position < lists[item.list].count {
                    next[item.list] = position + 1
                    heap.push(.init(start: lists[item.list][position], rank: item.rank, list: item.list))
                }
                head = heap.peek?.start == first.start ? heap.pop() : nil
            }
            if group.count == 1 {
                for rank in coveredPairRanks[group[0].window] {
                    rows.append(PlanRow(pair: pairByRank[rank], window: group[0].window, start: first.start))
                }
                continue
            }
            // Several windows open at once: order their rows by pair, then window.
            var expanded: [Entry] = []
            for entry in group {
                for rank in coveredPairRanks[entry.window] {
                    var row = entry
                    row.pairRank = rank
                    expanded.append(row)
                }
            }
            expanded.sort(by: Entry.precedes)
            for row in expanded {
                rows.append(PlanRow(pair: pairByRank[row.pairRank], window: row.window, start: first.start))
            }
        }
        return rows
    }
}

/// A binary min-heap of the next start of each window's list, by (start, window rank).
struct StartHeap {
    struct Item {
        var start: Int64
        var rank: Int
        var list: Int

        @inline(__always)
        func precedes(_ other: Item) -> Bool {
            start != other.start ? start < other.start : rank < other.rank
        }
    }

    private var items: [Item] = []

    var peek: Item? { items.first }

    mutating func push(_ item: Item) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Item? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var first = parent
                if left < items.count, items[left].precedes(items[first]) { first = left }
                if right < items.count, items[right].precedes(items[first]) { first = right }
                guard first != parent else { break }
                items.swapAt(parent, first)
                parent = first
            }
        }
        return top
    }
}
