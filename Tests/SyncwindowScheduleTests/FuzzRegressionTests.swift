import Foundation
import Testing

@testable import SyncwindowSchedule

/// An expression that hung the evaluator under `FuzzCron` (README "Fuzzing"); the input is
/// `Fuzz/corpus/FuzzCron/hang-st-johns-sunday-fall-back`.
@Suite("Cron evaluation found by fuzzing")
struct CronFuzzRegressionTests {
    let stJohns = TimeZone(identifier: "America/St_Johns")!

    @Test("a fall-back from Sunday 00:01 to Saturday 23:01 does not loop for ever (cronsim 2.8 does)")
    func fallBackAcrossMidnight() throws {
        // Given Sundays at minute 2 in St John's, where 1995-10-29 00:01 NDT fell back to Saturday 23:01 NST
        let cron = try CronExpression.parse("2 * * * 0")
        let before = try #require(RFC3339.parse("1995-10-22T23:30:00-02:30"))
        // When the next starts are asked for
        let starts = cron.starts(
            after: before, before: try #require(RFC3339.parse("1995-10-29T03:00:00-03:30")), in: stJohns)
        // Then they are that Sunday's real minute-2 instants: 00:02 exists only after the fall-back, in NST
        #expect(starts.first == RFC3339.parse("1995-10-29T00:02:00-03:30"))
        #expect(starts == [0, 1, 2].map { Date(timeIntervalSince1970: 814_937_520 + Double($0) * 3600) })
    }

    @Test("the fuzzed input: a year of Sunday starts from 1995-07-09 in St John's ends")
    func yearOfStarts() throws {
        let cron = try CronExpression.parse("2 * * * 0")
        let start = Date(timeIntervalSince1970: 805_314_610)
        let starts = cron.starts(after: start, before: start.addingTimeInterval(366 * 86_400), in: stJohns)
        // 52 or 53 Sundays of 24 hours, give or take the transition days
        #expect((52 * 24 - 2)...(53 * 24 + 2) ~= starts.count)
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 })
    }
}

/// Texts that broke a round trip under `FuzzTimeText` (README "Fuzzing"); the inputs are in
/// `Fuzz/corpus/FuzzTimeText/crash-*`.
@Suite("Time texts found by fuzzing")
struct TimeTextFuzzRegressionTests {
    @Test("a duration too long to write back is refused", arguments: ["333333333136d44044s", "36501d", "876001h"])
    func durationTooLarge(_ text: String) {
        // Given a duration longer than 100 years, When it is parsed, Then it is refused as too large
        #expect {
            try DurationText.parse(text)
        } throws: { error in
            (error as? DurationError)?.description.contains("too large") == true
        }
    }

    @Test("the longest duration formats and parses back", arguments: ["36500d", "876000h", "36499d23h59m59s"])
    func longestDurationRoundTrips(_ text: String) throws {
        // Given the longest durations accepted
        let seconds = try DurationText.parse(text)
        // When formatted, Then they parse back to the same length
        #expect(try DurationText.parse(DurationText.format(seconds)) == seconds)
    }

    @Test(
        "an instant whose wall clock leaves years 0001-9999 in some zone is refused",
        arguments: [
            "0000-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z",
        ])
    func instantOutOfRange(_ text: String) {
        // Given an instant at the edge of what RFC 3339 can write, When parsed, Then it is refused
        #expect(RFC3339.parse(text) == nil)
    }

    @Test(
        "instants just inside the range round-trip in the zones furthest from UTC",
        arguments: ["0001-01-02T00:00:00Z", "9999-12-30T23:59:59.999Z"],
        ["Pacific/Kiritimati", "Etc/GMT+12", "UTC", "Asia/Kolkata"])
    func instantRoundTrips(_ text: String, _ zoneName: String) throws {
        // Given an instant just inside the supported range and a zone 12-14 hours from UTC
        let instant = try #require(RFC3339.parse(text))
        let zone = try #require(TimeZone(identifier: zoneName))
        // When formatted in that zone
        let formatted = RFC3339.format(instant, in: zone)
        // Then it parses back to the same instant
        let again = try #require(RFC3339.parse(formatted), "\(formatted) does not parse")
        #expect(abs(again.timeIntervalSince(instant)) < 0.001)
    }
}
