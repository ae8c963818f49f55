import Foundation
import SyncwindowTestSupport
import Testing

@testable import SyncwindowSchedule

/// The plan's fast path — each window's starts found once, rows ordered by integer ranks, timestamps written as
/// bytes — held to the plain one it replaced: every pair's occurrences, sorted by start, pair name, window name,
/// and `RFC3339.format` as it was written field by field.
@Suite("Plan: rows and timestamps")
struct PlanTests {
    static let zones = [
        "UTC", "GMT", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana", "Pacific/Chatham",
        "Asia/Kolkata", "America/St_Johns", "Africa/Casablanca", "Asia/Kathmandu", "Etc/GMT+12",
    ]

    static func randomSchedule(_ random: inout SplitMix64, pairs: [String]) throws -> Schedule {
        func pick<T>(_ options: [T]) -> T { options[Int(random.next() % UInt64(options.count))] }
        var windows: [Window] = []
        // Names that sort differently from their configuration order, and two windows with one cron.
        for index in 0..<Int(3 + random.next() % 8) {
            let cron = pick([
                "0 * * * *", "30 1 * * *", "*/20 * * * *", "0 0 L * *", "15 4 * * 2#2", "0 3 * * 5L", "0 2 * * *",
                "0 */2 * * *", "0 0 1 * *", "30 2 * * 0",
            ])
            let selection: PairSelector =
                random.next() % 3 == 0
                ? .all : .named(pairs.filter { _ in random.next() % 2 == 0 })
            var window = Window(
                name: pick(["w", "W", "a", "z", "m-"]) + String(index), cron: try .parse(cron),
                timeZone: TimeZone(identifier: pick(Self.zones))!, duration: Double(60 * (1 + random.next() % 180)),
                pairs: selection)
            if random.next() % 4 == 0 { window.activeFrom = LocalDate(year: 2026, month: 3, day: 10) }
            if random.next() % 4 == 0 { window.activeUntil = LocalDate(year: 2026, month: 10, day: 31) }
            if random.next() % 4 == 0 { window.exceptDates = [LocalDate(year: 2026, month: 3, day: 29)] }
            if random.next() % 8 == 0 { window.enabled = false }
            windows.append(window)
        }
        return Schedule(windows: windows)
    }

    /// The plain plan: each pair's occurrences, all sorted by (start, pair, window).
    static func plainRows(
        _ schedule: Schedule, pairs: [String], perPair: (String) -> [Occurrence]
    ) -> [(pair: String, occurrence: Occurrence)] {
        pairs.flatMap { pair in perPair(pair).map { (pair: pair, occurrence: $0) } }
            .sorted {
                ($0.occurrence.start, $0.pair, $0.occurrence.window)
                    < ($1.occurrence.start, $1.pair, $1.occurrence.window)
            }
    }

    static func named(_ rows: [PlanRow], _ schedule: Schedule, pairs: [String]) -> [String] {
        rows.map { row in
            let window = schedule.windows[row.window]
            let start = Date(timeIntervalSince1970: Double(row.start))
            return "\(pairs[row.pair]) \(window.name) \(start) \(start + window.duration)"
        }
    }

    static func named(_ rows: [(pair: String, occurrence: Occurrence)]) -> [String] {
        rows.map { "\($0.pair) \($0.occurrence.window) \($0.occurrence.start) \($0.occurrence.end)" }
    }

    /// Where two row lists part, said in one line (a year of rows would not fit in a failure message).
    static func firstDifference(_ ours: [String], _ plain: [String]) -> String? {
        guard ours != plain else { return nil }
        let index = (0..<min(ours.count, plain.count)).first { ours[$0] != plain[$0] } ?? min(ours.count, plain.count)
        let mine = index < ours.count ? ours[index] : "end"
        let theirs = index < plain.count ? plain[index] : "end"
        return "row \(index) of \(ours.count) vs \(plain.count): \(mine) instead of \(theirs)"
    }

    @Test("random schedules: the plan over a period and the next N per pair are the plain plan's rows")
    func planMatchesPlainRows() throws {
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 20_261_201))
        let pairs = ["orders", "Sessions", "cache-2", "alpha", "zeta"]
        let from = RFC3339.parse("2026-03-01T00:00:30+01:00")!
        let to = RFC3339.parse("2026-05-01T00:00:00Z")!
        for round in 0..<30 {
            // Given a random schedule and some of the pairs, asked for in no particular order
            let schedule = try Self.randomSchedule(&random, pairs: pairs)
            let asked = pairs.filter { _ in random.next() % 3 != 0 }.shuffled(using: &random)
            // When the plan is made, then it lists the plain plan's rows in its order
            let period = schedule.plan(pairs: asked, startingFrom: from, before: to)
            let plainPeriod = Self.plainRows(schedule, pairs: asked) {
                schedule.occurrences(forPair: $0, startingFrom: from, before: to)
            }
            #expect(
                Self.firstDifference(Self.named(period, schedule, pairs: asked), Self.named(plainPeriod)) == nil,
                "round \(round)")
            let count = Int(1 + random.next() % 40)
            let counted = schedule.plan(pairs: asked, startingFrom: from, count: count)
            let plainCounted = Self.plainRows(schedule, pairs: asked) {
                schedule.occurrences(forPair: $0, startingFrom: from, count: count)
            }
            #expect(
                Self.firstDifference(Self.named(counted, schedule, pairs: asked), Self.named(plainCounted)) == nil,
                "round \(round)")
        }
    }

    @Test("the heap merge of window starts gives the rows one sort of all of them gives")
    func heapMergeMatchesSort() throws {
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 20_261_130))
        let pairs = ["orders", "Sessions", "cache-2", "alpha", "zeta"]
        for round in 0..<30 {
            // Given windows over some pairs and sorted starts for each, many of them shared (ties across windows)
            let schedule = try Self.randomSchedule(&random, pairs: pairs)
            let asked = pairs.filter { _ in random.next() % 3 != 0 }.shuffled(using: &random)
            let order = PlanOrder(schedule: schedule, pairs: asked)
            let lists = order.windowsInUse.map { _ in
                (0..<Int(random.next() % 50)).map { _ in Int64(random.next() % 40) * 900 - 3_600 }.sorted()
            }
            // When they are merged, then the rows are those of sorting every (start, pair, window)
            #expect(order.rows(merging: lists) == order.rowsBySorting(lists), "round \(round)")
        }
    }

    @Test("the byte writer writes what the field-by-field formatter wrote, in any zone, with or without millis")
    func writerMatchesGeneralFormat() {
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 7))
        for zoneName in Self.zones {
            let zone = TimeZone(identifier: zoneName)!
            var writer = RFC3339.Writer(zone: zone)
            let table = ZoneTable.forZone(zone)
            var previous = 0.0
            for _ in 0..<4_000 {
                // Anywhere, or a little after the last one (the writer remembers its offset and day); whole
                // seconds mostly, milliseconds and a rounding up to the next second now and then.
                var seconds =
                    random.next() % 2 == 0
                    ? Double(Int64(random.next() % 8_000_000_000) - 2_000_000_000)
                    : previous.rounded(.down) + Double(random.next() % 7_200)
                previous = seconds
                switch random.next() % 4 {
                case 0: seconds += Double(random.next() % 1000) / 1000
                case 1: seconds += 0.9996
                default: break
                }
                let date = Date(timeIntervalSince1970: seconds)
                let whole = Int64(seconds.rounded(.down))
                var millis = Int(((seconds - Double(whole)) * 1000).rounded())
                var base = whole
                if millis >= 1000 {
                    base += 1
                    millis -= 1000
                }
                let offset = Int64((Double(table.offset(atUTC: base)) / 60).rounded(.down)) * 60
                let expected = RFC3339.slowFormat(
                    wall: WallFields(base + offset), millis: millis, offset: offset, writesZ: RFC3339.isUTC(zone))
                #expect(writer.string(date) == expected, "\(zoneName) \(seconds)")
                #expect(RFC3339.format(date, in: zone) == expected)
            }
        }
    }
}
