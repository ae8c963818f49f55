import Foundation
import Testing

@testable import SyncwindowSchedule

@Suite struct CronExpressionEvaluationTests {
    struct Case: CustomStringConvertible, Sendable {
        var cron: String
        var zone: String
        var after: String
        var expected: [String]
        var description: String { "\(cron) in \(zone) after \(after)" }
        init(_ cron: String, _ zone: String, after: String, _ expected: [String]) {
            self.cron = cron
            self.zone = zone
            self.after = after
            self.expected = expected
        }
    }

    static func starts(_ c: Case) throws -> [String] {
        let cron = try CronExpression.parse(c.cron)
        let zone = try #require(TimeZone(identifier: c.zone))
        var instant = try #require(RFC3339.parse(c.after))
        var result: [String] = []
        for _ in c.expected {
            guard let next = cron.nextStart(after: instant, in: zone) else { break }
            result.append(RFC3339.format(next, in: .gmt))
            instant = next
        }
        return result
    }

    @Test(arguments: [
        Case("30 1 * * *", "UTC", after: "2026-12-01T00:00:00Z", ["2026-12-01T01:30:00Z", "2026-12-02T01:30:00Z"]),
        Case("30 1 * * *", "UTC", after: "2026-12-01T01:30:00Z", ["2026-12-02T01:30:00Z"]),
        Case("30 1 * * *", "Asia/Shanghai", after: "2026-12-01T00:00:00Z", ["2026-12-01T17:30:00Z"]),
        Case("*/15 * * * *", "UTC", after: "2026-12-01T00:07:30Z", ["2026-12-01T00:15:00Z", "2026-12-01T00:30:00Z"]),
        Case("0 0 L * *", "UTC", after: "2027-01-31T12:00:00Z", ["2027-02-28T00:00:00Z", "2027-03-31T00:00:00Z"]),
        Case("0 0 L 2 *", "UTC", after: "2027-03-01T00:00:00Z", ["2028-02-29T00:00:00Z"]),
        Case("0 0 * * 5L", "UTC", after: "2026-12-01T00:00:00Z", ["2026-12-25T00:00:00Z", "2027-01-29T00:00:00Z"]),
        Case("0 0 * * 2#2", "UTC", after: "2026-12-01T00:00:00Z", ["2026-12-08T00:00:00Z", "2027-01-12T00:00:00Z"]),
        // Both day fields restricted: either matches (the 13th, and Fridays).
        Case(
            "0 0 13 * FRI", "UTC", after: "2026-11-01T00:00:00Z",
            ["2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z"]),
        // Day-of-month starting with * makes it AND: odd days that are Mondays.
        Case("0 0 */2 * MON", "UTC", after: "2026-11-30T00:00:00Z", ["2026-12-07T00:00:00Z", "2026-12-21T00:00:00Z"]),
        Case("@yearly", "UTC", after: "2026-06-01T00:00:00Z", ["2027-01-01T00:00:00Z"]),
        Case("0 0 29 2 *", "UTC", after: "2026-03-01T00:00:00Z", ["2028-02-29T00:00:00Z"]),
    ])
    func nextStartsInPlainZones(_ c: Case) throws {
        #expect(try Self.starts(c) == c.expected)
    }

    // Expected instants computed with cronsim 2.8 (CronSim(expr, after.astimezone(zone)), next()).
    @Test(arguments: [
        // Berlin spring forward 2026-03-29 02:00 -> 03:00: a fixed start in the gap opens at 03:00, once.
        Case(
            "30 2 * * *", "Europe/Berlin", after: "2026-03-28T12:00:00Z",
            ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"]),
        Case(
            "0,30 2 * * *", "Europe/Berlin", after: "2026-03-28T12:00:00Z",
            ["2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T00:30:00Z"]),
        // Wildcard minute: real instants, nothing in the gap.
        Case(
            "*/30 * 29 3 *", "Europe/Berlin", after: "2026-03-29T00:10:00Z",
            ["2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z"]),
        // Berlin fall back 2026-10-25 03:00 -> 02:00: a fixed start opens at its first occurrence only.
        Case(
            "30 2 * * *", "Europe/Berlin", after: "2026-10-24T12:00:00Z",
            ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"]),
        // Wildcard hour: every real hour, 02:00 twice.
        Case(
            "0 * 25 10 *", "Europe/Berlin", after: "2026-10-24T23:30:00Z",
            ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"]),
        Case(
            "30 1 * * *", "America/New_York", after: "2026-11-01T04:00:00Z",
            ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        Case(
            "30 2 * * *", "America/New_York", after: "2026-03-08T05:00:00Z",
            ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        // Wildcard minute in a fixed hour: both passes through the repeated hour.
        Case(
            "*/20 1 1 11 *", "America/New_York", after: "2026-11-01T04:50:00Z",
            [
                "2026-11-01T05:00:00Z", "2026-11-01T05:20:00Z", "2026-11-01T05:40:00Z", "2026-11-01T06:00:00Z",
                "2026-11-01T06:20:00Z", "2026-11-01T06:40:00Z", "2027-11-01T05:00:00Z",
            ]),
        // Lord Howe: 30-minute shifts (02:00 -> 02:30 in October, 02:00 -> 01:30 in April).
        Case(
            "15 2 * * *", "Australia/Lord_Howe", after: "2026-10-03T12:00:00Z",
            ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"]),
        Case(
            "45 1 * * *", "Australia/Lord_Howe", after: "2026-04-04T12:00:00Z",
            ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"]),
        Case(
            "0 * 5 4 *", "Australia/Lord_Howe", after: "2026-04-04T13:30:00Z",
            ["2026-04-04T14:00:00Z", "2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z", "2026-04-04T17:30:00Z"]),
        // Santiago: midnight does not exist in September; 23:00-24:00 repeats in April.
        Case(
            "0 0 * * *", "America/Santiago", after: "2026-09-05T12:00:00Z",
            ["2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"]),
        Case(
            "30 23 * * *", "America/Santiago", after: "2026-04-04T12:00:00Z",
            ["2026-04-05T02:30:00Z", "2026-04-06T03:30:00Z"]),
        // Havana: 00:00 -> 01:00 in March, 01:00 -> 00:00 in November.
        Case(
            "0 0 * * *", "America/Havana", after: "2026-03-07T12:00:00Z",
            ["2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"]),
        Case(
            "0 * 8 3 *", "America/Havana", after: "2026-03-07T23:30:00Z",
            ["2026-03-08T05:00:00Z", "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"]),
        Case(
            "30 0 * * *", "America/Havana", after: "2026-10-31T12:00:00Z",
            ["2026-11-01T04:30:00Z", "2026-11-02T05:30:00Z"]),
        // cronsim quirk: a wildcard-minute job at 01:xx is skipped on the day midnight is missing
        // (cronsim resets to the non-existent 00:00 and its hour step lands on 02:00).
        Case("* 1 8 3 *", "America/Havana", after: "2026-03-07T12:00:00Z", ["2027-03-08T06:00:00Z"]),
    ])
    func nextStartsAcrossDaylightSavingChangesMatchCronsim(_ c: Case) throws {
        #expect(try Self.starts(c) == c.expected)
    }

    @Test func nextStartIsStrictlyAfterAFractionalInstant() throws {
        let cron = try CronExpression.parse("* * * * *")
        let next = cron.nextStart(after: Date(timeIntervalSince1970: 60.5), in: .gmt)
        #expect(next == Date(timeIntervalSince1970: 120))
    }

    @Test func startingInTheSecondPassOfAnOverlapNeverAnswersInThePast() throws {
        // 01:45 EST (second pass) on 2026-11-01: the 01:50 start already happened (EDT).
        let cron = try CronExpression.parse("50 1 * * *")
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let after = try #require(RFC3339.parse("2026-11-01T01:45:00-05:00"))
        #expect(cron.nextStart(after: after, in: zone) == RFC3339.parse("2026-11-02T01:50:00-05:00"))
    }

    @Test func offHourOverlapWhereCronsimLoopsMovesOnThroughTheSecondPass() throws {
        // Pacific/Chatham 2025-04-06 03:45 +13:45 -> 02:45 +12:45. cronsim 2.8 repeats
        // 03:00-03:44 (first pass) forever here; the engine continues through the second pass.
        let cron = try CronExpression.parse("* 3 6 4 *")
        let zone = try #require(TimeZone(identifier: "Pacific/Chatham"))
        let from = try #require(RFC3339.parse("2025-04-06T03:43:00+13:45"))
        let starts = cron.starts(after: from, before: from + 3 * 3600, in: zone)
        #expect(starts.first == RFC3339.parse("2025-04-06T03:44:00+13:45"))
        #expect(starts.dropFirst().first == RFC3339.parse("2025-04-06T03:00:00+12:45"))
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(starts.count == 1 + 60)
    }
}
