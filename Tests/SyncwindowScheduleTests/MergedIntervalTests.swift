import Foundation
import SyncwindowTestSupport
import Testing

@testable import SyncwindowSchedule

/// `Schedule.mergedInterval` walks a chain of overlapping or touching occurrences a chunk of
/// time at a time. These hold it to the definition: the connected run of occurrences that
/// contains the instant, found here by brute force over every occurrence in a wide span.
@Suite struct MergedIntervalTests {
    static func t(_ text: String) -> Date { RFC3339.parse(text)! }

    /// Window k opens k minutes after Monday 2026-11-30 00:00 UTC, weekly, for one minute.
    static func abutting(_ count: Int) throws -> Schedule {
        Schedule(
            windows: try (0..<count).map { k in
                let (day, minuteOfDay) = k.quotientAndRemainder(dividingBy: 1440)
                let (hour, minute) = minuteOfDay.quotientAndRemainder(dividingBy: 60)
                return Window(
                    name: String(format: "w%05d", k), cron: try .parse("\(minute) \(hour) * * \((1 + day) % 7)"),
                    timeZone: .gmt, duration: 60, pairs: .all)
            })
    }

    @Test("a chain of 3,000 abutting one-minute windows is one pause, from anywhere inside it")
    func longAbuttingChain() throws {
        let schedule = try Self.abutting(3000)
        let start = Self.t("2026-11-30T00:00:00Z")
        let chain = DateInterval(start: start, end: start.addingTimeInterval(3000 * 60))
        // The first minute, across the first day boundary, the middle, and the last minute.
        for minute in [0, 1, 1439, 1440, 1441, 1500, 2999] {
            let at = start.addingTimeInterval(Double(minute * 60) + 30)
            #expect(schedule.mergedInterval(forPair: "orders", at: at) == chain, "at minute \(minute)")
        }
        #expect(schedule.mergedInterval(forPair: "orders", at: chain.end) == nil)
    }

    /// A random window whose duration stays under its cron's period, so chains end: longer
    /// than a day only when weekly.
    static func randomWindow(_ index: Int, using random: inout SplitMix64) throws -> Window {
        let zones = ["UTC", "Europe/Berlin", "Australia/Lord_Howe", "America/New_York"]
        let minute = Int.random(in: 0...59, using: &random)
        let hour = Int.random(in: 0...23, using: &random)
        let cron: String
        let durations: [Int]
        switch Int.random(in: 0...2, using: &random) {
        case 0:
            cron = "\(minute) \(hour) * * *"
            durations = [60, 1800, 10_800]
        case 1:
            cron = "\(minute) */\(Int.random(in: 4...8, using: &random)) * * *"
            durations = [60, 1800, 3600]
        default:
            cron = "\(minute) \(hour) * * \(Int.random(in: 0...6, using: &random))"
            durations = [60, 10_800, 93_600, 180_000]
        }
        let duration = durations[Int.random(in: 0..<durations.count, using: &random)]
        let zone = zones[Int.random(in: 0..<zones.count, using: &random)]
        return Window(
            name: "w\(index)", cron: try .parse(cron), timeZone: TimeZone(identifier: zone)!,
            duration: TimeInterval(duration), pairs: .all)
    }

    @Test("random windows, short and longer than a day: the chunked walk equals the brute-force run")
    func randomAgainstBruteForce() throws {
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 17))
        var compared = 0
        for round in 0..<40 {
            let count = Int.random(in: 1...6, using: &random)
            let windows = try (0..<count).map { try Self.randomWindow($0, using: &random) }
            let schedule = Schedule(windows: windows)
            let offset = TimeInterval(Int.random(in: 0..<(20 * 86_400), using: &random))
            let at = Self.t("2026-03-20T00:00:00Z").addingTimeInterval(offset)
            let expected = Self.bruteForce(schedule, at: at)
            // A run that reaches the brute force's span is cut by the merge horizon instead: not comparable.
            if Self.reachesSpan(expected, at: at) { continue }
            compared += 1
            let described = windows.map { "\($0.cron.source) \($0.timeZone.identifier) \($0.duration)" }
            #expect(schedule.mergedInterval(forPair: "p", at: at) == expected, "round \(round): \(described) at \(at)")
        }
        #expect(compared >= 30, "only \(compared) of 40 rounds were comparable")
    }

    static func reachesSpan(_ run: DateInterval?, at: Date) -> Bool {
        guard let run else { return false }
        return at.timeIntervalSince(run.start) > 19 * 86_400 || run.end.timeIntervalSince(at) > 19 * 86_400
    }

    /// Every occurrence within 20 days either side, merged by a plain sweep; the run holding `at`.
    static func bruteForce(_ schedule: Schedule, at: Date) -> DateInterval? {
        let span = 20 * 86_400.0
        let all = schedule.occurrences(
            forPair: "p", startingFrom: at.addingTimeInterval(-span), before: at.addingTimeInterval(span))
        var runs: [DateInterval] = []
        for occurrence in all.sorted(by: { $0.start < $1.start }) {
            if let last = runs.last, occurrence.start <= last.end {
                runs[runs.count - 1].end = max(last.end, occurrence.end)
            } else {
                runs.append(DateInterval(start: occurrence.start, end: occurrence.end))
            }
        }
        return runs.first { $0.start <= at && at < $0.end }
    }
}
