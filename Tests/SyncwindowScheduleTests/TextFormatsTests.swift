import Foundation
import Testing

@testable import SyncwindowSchedule

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("90m", 5400.0), ("2h", 7200), ("1h30m", 5400), ("45s", 45), ("1d", 86_400), ("7d", 604_800), ("2h0m", 7200),
        ("24h", 86_400),
    ])
    func parsesDuration(_ text: String, _ seconds: Double) throws {
        #expect(try DurationText.parse(text) == seconds)
    }

    @Test(arguments: [
        ("0m", "zero"), ("-5m", "negative"), ("2x", "unknown unit"), ("h", "no number"), ("", "empty"),
        ("90", "no unit"), ("1.5h", "fraction"), ("30m1h", "largest first"),
    ])
    func refusesDurationWithAClearReason(_ text: String, _ reason: String) {
        #expect {
            try DurationText.parse(text)
        } throws: { error in
            (error as? DurationError)?.description.contains(reason) == true
        }
    }

    @Test(arguments: [(5400.0, "1h30m"), (7200, "2h"), (45, "45s"), (86_400, "24h"), (604_800, "7d"), (3661, "1h1m1s")])
    func formatsDuration(_ seconds: Double, _ text: String) {
        #expect(DurationText.format(seconds) == text)
    }
}

@Suite struct RFC3339Tests {
    @Test func parsesOffsetsZuluAndFractions() {
        #expect(RFC3339.parse("2026-12-01T01:30:00+08:00") == Date(timeIntervalSince1970: 1_796_059_800))
        #expect(RFC3339.parse("2026-11-30T17:30:00Z") == Date(timeIntervalSince1970: 1_796_059_800))
        #expect(RFC3339.parse("2026-11-30T17:30:00.250Z") == Date(timeIntervalSince1970: 1_796_059_800.25))
    }

    @Test(arguments: [
        "2026-12-01T01:30:00", "2026-12-01", "2026-02-30T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T01:30:00+0800",
        "garbage",
    ])
    func refusesTimestampWithoutOffsetOrInvalid(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func formatsInZoneWithOffsetAndZInUTC() {
        let instant = Date(timeIntervalSince1970: 1_796_059_800)
        #expect(RFC3339.format(instant, in: TimeZone(identifier: "Asia/Shanghai")!) == "2026-12-01T01:30:00+08:00")
        #expect(RFC3339.format(instant, in: .gmt) == "2026-11-30T17:30:00Z")
        #expect(RFC3339.format(instant, in: TimeZone(identifier: "America/St_Johns")!) == "2026-11-30T14:00:00-03:30")
    }
}

@Suite struct LocalDateTests {
    @Test func parsesStrictDates() {
        #expect(LocalDate.parse("2026-12-24") == LocalDate(year: 2026, month: 12, day: 24))
        #expect(LocalDate.parse("2028-02-29") != nil)
    }

    @Test(arguments: ["2026-02-30", "2027-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00:00:00Z", ""])
    func refusesInvalidDates(_ text: String) {
        #expect(LocalDate.parse(text) == nil)
    }

    @Test func localDateOfAnInstantDependsOnTheZone() {
        let instant = RFC3339.parse("2026-12-24T20:00:00Z")!
        #expect(LocalDate(containing: instant, in: .gmt).description == "2026-12-24")
        #expect(LocalDate(containing: instant, in: TimeZone(identifier: "Asia/Shanghai")!).description == "2026-12-25")
    }

    @Test func startOfADayWithoutMidnightIsTheEndOfTheGap() {
        let havana = TimeZone(identifier: "America/Havana")!
        #expect(
            LocalDate(year: 2026, month: 3, day: 8).startInstant(in: havana)
                == RFC3339.parse("2026-03-08T01:00:00-04:00"))
    }
}
