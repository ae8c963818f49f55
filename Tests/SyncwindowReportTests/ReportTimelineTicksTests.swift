import Foundation
import SyncwindowSchedule
import Testing

@testable import SyncwindowReport

/// The HTML timeline's axis on the days the clocks change: a tick at each local midnight, so a 23- or 25-hour
/// day (23.5 or 24.5 on Lord Howe Island, whose clocks move half an hour) spans as much of the axis as it lasted.
@Suite("Report timeline ticks across DST")
struct ReportTimelineTicksTests {
    struct ClockChange: Sendable, CustomStringConvertible {
        let zone: String
        let day: LocalDate
        /// How long that local day lasts.
        let hours: Double
        var description: String { "\(zone) \(day)" }
    }

    static let changes = [
        ClockChange(zone: "Europe/Berlin", day: LocalDate(year: 2026, month: 3, day: 29), hours: 23),
        ClockChange(zone: "Europe/Berlin", day: LocalDate(year: 2026, month: 10, day: 25), hours: 25),
        ClockChange(zone: "America/New_York", day: LocalDate(year: 2026, month: 3, day: 8), hours: 23),
        ClockChange(zone: "America/New_York", day: LocalDate(year: 2026, month: 11, day: 1), hours: 25),
        ClockChange(zone: "Australia/Lord_Howe", day: LocalDate(year: 2026, month: 4, day: 5), hours: 24.5),
        ClockChange(zone: "Australia/Lord_Howe", day: LocalDate(year: 2026, month: 10, day: 4), hours: 23.5),
    ]

    /// Each tick as its label and its instant in the axis zone.
    static func rendered(_ timeline: ReportTimeline) -> [String] {
        timeline.ticks().map { "\($1) \(RFC3339.format($0, in: timeline.zone))" }
    }

    @Test(
        "daily ticks over eight local days: every one at local midnight, the changed day as long as it was",
        arguments: changes)
    func dailyTicks(change: ClockChange) throws {
        let zone = try #require(TimeZone(identifier: change.zone))
        let since = change.day.adding(days: -3).startInstant(in: zone)
        let until = change.day.adding(days: 5).startInstant(in: zone)
        let timeline = ReportTimeline(since: since, until: until, zone: zone)
        let ticks = timeline.ticks()
        #expect(ticks.count == 8)
        for (index, (tick, label)) in ticks.enumerated() {
            let day = change.day.adding(days: index - 3)
            #expect(RFC3339.format(tick, in: zone).contains("T00:00:00"), "\(label)")
            #expect(LocalDate(containing: tick, in: zone) == day)
            #expect(label.contains(" \(day.day) "), "\(label) is not \(day)")
        }
        let lengths = zip(ticks.map(\.0), ticks.dropFirst().map(\.0) + [until]).map { $1.timeIntervalSince($0) / 3600 }
        #expect(lengths == [24, 24, 24, change.hours, 24, 24, 24, 24])
        // Drawn as such: the changed day's width on the axis is its hours' share of the week's.
        let width = timeline.x(ticks[4].0) - timeline.x(ticks[3].0)
        let week = timeline.x(until) - timeline.x(ticks[0].0)
        #expect(abs(width / week - change.hours / lengths.reduce(0, +)) < 1e-9)
    }

    @Test("two-hourly ticks on the day the clocks change: a skipped hour has none, a repeated one two")
    func hourlyTicks() throws {
        func ticks(_ zone: String, _ day: LocalDate) throws -> [String] {
            let zone = try #require(TimeZone(identifier: zone))
            let timeline = ReportTimeline(
                since: day.startInstant(in: zone), until: day.adding(days: 1).startInstant(in: zone), zone: zone)
            return Self.rendered(timeline)
        }
        let berlinAutumn = try ticks("Europe/Berlin", LocalDate(year: 2026, month: 10, day: 25))
        #expect(
            berlinAutumn == [
                "Sun 25 Oct 2026-10-25T00:00:00+02:00", "02:00 2026-10-25T02:00:00+02:00",
                "02:00 2026-10-25T02:00:00+01:00", "04:00 2026-10-25T04:00:00+01:00", "06:00 2026-10-25T06:00:00+01:00",
                "08:00 2026-10-25T08:00:00+01:00", "10:00 2026-10-25T10:00:00+01:00", "12:00 2026-10-25T12:00:00+01:00",
                "14:00 2026-10-25T14:00:00+01:00", "16:00 2026-10-25T16:00:00+01:00", "18:00 2026-10-25T18:00:00+01:00",
                "20:00 2026-10-25T20:00:00+01:00", "22:00 2026-10-25T22:00:00+01:00",
            ])
        let berlinSpring = try ticks("Europe/Berlin", LocalDate(year: 2026, month: 3, day: 29))
        #expect(
            berlinSpring.prefix(3) == [
                "Sun 29 Mar 2026-03-29T00:00:00+01:00", "04:00 2026-03-29T04:00:00+02:00",
                "06:00 2026-03-29T06:00:00+02:00",
            ])
        #expect(berlinSpring.count == 11)
        let newYorkAutumn = try ticks("America/New_York", LocalDate(year: 2026, month: 11, day: 1))
        // 01:00 to 01:59 happens twice there; 02:00 once, in standard time.
        #expect(
            newYorkAutumn.prefix(3) == [
                "Sun 1 Nov 2026-11-01T00:00:00-04:00", "02:00 2026-11-01T02:00:00-05:00",
                "04:00 2026-11-01T04:00:00-05:00",
            ])
        #expect(newYorkAutumn.count == 12)
        let lordHoweSpring = try ticks("Australia/Lord_Howe", LocalDate(year: 2026, month: 10, day: 4))
        // 02:00 becomes 02:30: no 02:00 that day.
        #expect(
            lordHoweSpring.prefix(3) == [
                "Sun 4 Oct 2026-10-04T00:00:00+10:30", "04:00 2026-10-04T04:00:00+11:00",
                "06:00 2026-10-04T06:00:00+11:00",
            ])
        #expect(lordHoweSpring.count == 11)
        let lordHoweAutumn = try ticks("Australia/Lord_Howe", LocalDate(year: 2026, month: 4, day: 5))
        // 02:00 becomes 01:30: 01:30 to 01:59 twice, 02:00 once.
        #expect(
            lordHoweAutumn.prefix(3) == [
                "Sun 5 Apr 2026-04-05T00:00:00+11:00", "02:00 2026-04-05T02:00:00+10:30",
                "04:00 2026-04-05T04:00:00+10:30",
            ])
        #expect(lordHoweAutumn.count == 12)
    }

    @Test("weekly ticks start on Monday; monthly ticks on the first, at its local midnight")
    func weeksAndMonths() throws {
        let zone = try #require(TimeZone(identifier: "Europe/Berlin"))
        let since = LocalDate(year: 2026, month: 3, day: 4).startInstant(in: zone)  // a Wednesday
        let weeks = ReportTimeline(since: since, until: since + 60 * 86_400, zone: zone)
        #expect(Self.rendered(weeks).first == "Mon 9 Mar 2026-03-09T00:00:00+01:00")
        #expect(Self.rendered(weeks).dropFirst(3).first == "Mon 30 Mar 2026-03-30T00:00:00+02:00")
        let months = ReportTimeline(since: since, until: since + 200 * 86_400, zone: zone)
        #expect(
            Self.rendered(months) == [
                "Apr 2026 2026-04-01T00:00:00+02:00", "May 2026 2026-05-01T00:00:00+02:00",
                "Jun 2026 2026-06-01T00:00:00+02:00", "Jul 2026 2026-07-01T00:00:00+02:00",
                "Aug 2026 2026-08-01T00:00:00+02:00", "Sep 2026 2026-09-01T00:00:00+02:00",
            ])
    }
}
