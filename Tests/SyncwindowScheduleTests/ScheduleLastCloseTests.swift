import Foundation
import Testing

@testable import SyncwindowSchedule

/// `Schedule.lastClose`: what the metric of a pair paused past its windows counts from.
@Suite struct ScheduleLastCloseTests {
    static func t(_ text: String) -> Date { RFC3339.parse(text)! }

    @Test func theLatestCloseOfAnyOfThePairsWindowsAtOrBeforeTheInstant() throws {
        let s = try ScheduleTests.schedule()
        // orders-cache: nightly 01:30-03:30, backup 03:00-04:00, touching 04:00-04:30 (every day).
        #expect(
            s.lastClose(forPair: "orders-cache", atOrBefore: Self.t("2026-12-01T05:00:00Z"))
                == Self.t("2026-12-01T04:30:00Z"))
        // Exactly at a close: that close counts.
        #expect(
            s.lastClose(forPair: "orders-cache", atOrBefore: Self.t("2026-12-01T04:00:00Z"))
                == Self.t("2026-12-01T04:00:00Z"))
        // An occurrence still open does not count: the last close is the day before.
        #expect(
            s.lastClose(forPair: "orders-cache", atOrBefore: Self.t("2026-12-01T01:45:00Z"))
                == Self.t("2026-11-30T04:30:00Z"))
        // Another pair's windows do not count: sessions' last close at 17:00 is its 12:00 window's.
        #expect(
            s.lastClose(forPair: "sessions", atOrBefore: Self.t("2026-12-01T17:00:00Z"))
                == Self.t("2026-12-01T12:10:00Z"))
    }

    @Test func nilWhenNothingClosedWithinTheLookback() throws {
        let disabled = Window(
            name: "off", cron: try .parse("0 1 * * *"), timeZone: .gmt, duration: 600, pairs: .all, enabled: false)
        #expect(
            Schedule(windows: [disabled]).lastClose(forPair: "orders", atOrBefore: Self.t("2026-12-01T05:00:00Z"))
                == nil)
        #expect(Schedule(windows: []).lastClose(forPair: "orders", atOrBefore: Self.t("2026-12-01T05:00:00Z")) == nil)
        // A yearly window that last closed 11 months ago is outside the 35-day lookback.
        let yearly = Window(name: "yearly", cron: try .parse("0 1 1 1 *"), timeZone: .gmt, duration: 600, pairs: .all)
        #expect(
            Schedule(windows: [yearly]).lastClose(forPair: "orders", atOrBefore: Self.t("2026-12-01T05:00:00Z")) == nil)
    }
}
