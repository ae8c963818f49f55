import Foundation
import SyncwindowTestSupport
import Testing

@testable import SyncwindowSchedule

/// `CronIterator`'s same-day shortcut held to the one-second tick and field-by-field steps it skips: the same starts,
/// one for one, for random expressions in DST-heavy zones, from the start of a year and from a day and a half before
/// every change of offset (where the shortcut must give way), in the present and in the odd years of the past.
@Suite("Cron: the same-day shortcut")
struct CronShortcutTests {
    static let zones =
        CronDifferentialTests.zones + [
            "Europe/Dublin", "Asia/Tehran", "America/Sao_Paulo", "Africa/Casablanca", "Asia/Kathmandu", "Etc/GMT+12",
        ]

    @Test("random expressions: every start the same with and without the shortcut")
    func shortcutChangesNothing() throws {
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 20_261_130))
        var compared = 0
        for _ in 0..<300 {
            let text = CronGenerator.expression(using: &random)
            guard let cron = try? CronExpression.parse(text) else { continue }
            let zone = Self.zones[Int(random.next() % UInt64(Self.zones.count))]
            let table = ZoneTable.forZone(TimeZone(identifier: zone)!)
            let year = [1995, 2011, 2025, 2026, 2027, 2030, 2037, 2040][Int(random.next() % 8)]
            let yearStart = Double(CivilTimeDays.of(year: year) * 86_400)
            let yearEnd = Double(CivilTimeDays.of(year: year + 1) * 86_400)
            // From the start of the year and from just before each change of offset in it, 300 starts each.
            let starts =
                [yearStart - 1]
                + table.instants.filter { Double($0) > yearStart && Double($0) < yearEnd }.map { Double($0) - 129_600 }
            for start in starts {
                let after = Date(timeIntervalSince1970: start + Double(random.next() % 3_600))
                var fast = CronIterator(spec: cron.spec, table: table, after: after)
                var slow = CronIterator(spec: cron.spec, table: table, after: after)
                slow.usesSameDayShortcut = false
                for index in 0..<300 {
                    let expected = slow.next()
                    let actual = fast.next()
                    #expect(actual == expected, "\(text) in \(zone) after \(after), start \(index)")
                    if actual != expected || expected == nil { break }
                    compared += 1
                }
            }
        }
        #expect(compared > 50_000)
    }
}

/// Days since 1970 of January 1, by Foundation (independent of the code under test).
enum CivilTimeDays {
    static func of(year: Int) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: year, month: 1, day: 1))!
        return Int64((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }
}
