import Foundation
import SyncwindowCivilTime
import Testing

/// The one copy of civil-date arithmetic and timestamp digit scanning, checked against
/// Foundation's Gregorian calendar (the reference) and for the dates that do not exist.
@Suite("civil time")
struct CivilTimeTests {
    static let seed: UInt64 = {
        let text = ProcessInfo.processInfo.environment["SYNCWINDOW_SEED"]
        return text.flatMap(UInt64.init) ?? 20_261_129
    }()

    @Test("days ↔ date round-trips and agrees with Foundation's Gregorian calendar")
    func agreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        var state = Self.seed
        print("civil time seed \(Self.seed) (set SYNCWINDOW_SEED to repeat another)")
        for _ in 0..<2_000 {
            // SplitMix64, inline: this leaf target has no test-support dependency.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            let days = Int64(z % 200_000) - 100_000  // about 1696 to 2243
            let civil = CivilTime.date(days: days)
            #expect(CivilTime.days(year: civil.year, month: civil.month, day: civil.day) == days)
            let reference = calendar.dateComponents(
                [.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect(reference.year == civil.year && reference.month == civil.month && reference.day == civil.day)
            #expect(reference.weekday.map { $0 - 1 } == CivilTime.weekday(days: days))
        }
    }

    @Test(
        "dates that do not exist are refused",
        arguments: [
            (2026, 2, 29), (2026, 2, 31), (2026, 4, 31), (1900, 2, 29), (2026, 13, 1), (2026, 0, 10), (2026, 1, 0),
        ]
    )
    func invalidDates(_ date: (Int, Int, Int)) {
        #expect(!CivilTime.isValid(year: date.0, month: date.1, day: date.2))
    }

    @Test("leap days that exist are accepted", arguments: [(2024, 2, 29), (2000, 2, 29), (2026, 12, 31)])
    func validDates(_ date: (Int, Int, Int)) {
        #expect(CivilTime.isValid(year: date.0, month: date.1, day: date.2))
    }

    @Test("the scanner reads a date-time and refuses 02-31, 24:00 and short fields")
    func scanner() {
        var good = DigitScanner("2026-12-01T01:30:05")
        let parsed = good.dateTime(separators: "T")
        #expect(parsed?.days == CivilTime.days(year: 2026, month: 12, day: 1))
        #expect(parsed?.secondOfDay == 5_405)
        #expect(good.isAtEnd)
        for bad in ["2026-02-31T00:00:00", "2026-12-01T24:00:00", "2026-12-1T01:30:00", "2026-12-01 01:30:00"] {
            var scanner = DigitScanner(bad)
            #expect(scanner.dateTime(separators: "T") == nil, "\(bad)")
        }
    }
}
