import Foundation
import Testing

@testable import SyncwindowSchedule

@Suite struct CronExpressionParsingTests {
    @Test(arguments: [
        "30 1 * * *", "*/15 * * * *", "0 9-17/2 * * 1-5", "10/5 * * * *", "0 0 1,15 * *",
        "0 0 * JAN,jul *", "0 0 * * mon-fri", "0 0 * * 0", "0 0 * * 7", "0 0 L * *", "0 0 LW * *",
        "0 0 * * 5L", "0 0 * * 2#2", "0 0 * * MON#1,FRI#5", "0 0 * * 0L,7L", "0 0 29 2 *", "0 0 29,30 2 *",
        "0 0 30 2 1", "0 0 L/3 * *", "0 0 5-5/2 * *", "0 0 * * */2", "59 23 31 12 *", "0 0 */40 * *",
        "00 02 * * *", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
        "@DAILY", "  0 0 * * *  ", "0\t0 * * *",
    ])
    func acceptsValidExpression(_ text: String) throws {
        let cron = try CronExpression.parse(text)
        // Accepted means usable: it fires within eight years (a leap day is the rarest case),
        // and its next start matches the cron's minute field.
        let from = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z
        let next = try #require(cron.nextStart(after: from, in: .gmt), "\(text) never fires")
        #expect(next > from && next.timeIntervalSince(from) < 8 * 366 * 86_400)
        // The expanded fields (macros spelt out) mean the same schedule as the text.
        let expanded = try CronExpression.parse(cron.fields.joined(separator: " "))
        let year = from.addingTimeInterval(366 * 86_400)
        #expect(
            cron.starts(after: from, before: year, in: .gmt) == expanded.starts(after: from, before: year, in: .gmt))
    }

    struct Bad: CustomStringConvertible, Sendable {
        var cron: String
        var field: CronError.Field?
        var token: String
        var description: String { cron }
        init(_ cron: String, _ field: CronError.Field?, _ token: String) {
            self.cron = cron
            self.field = field
            self.token = token
        }
    }

    @Test(arguments: [
        Bad("60 0 * * *", .minute, "60"),
        Bad("0 24 * * *", .hour, "24"),
        Bad("0 0 0 * *", .dayOfMonth, "0"),
        Bad("0 0 32 * *", .dayOfMonth, "32"),
        Bad("0 0 * 0 *", .month, "0"),
        Bad("0 0 * 13 *", .month, "13"),
        Bad("0 0 * * 8", .dayOfWeek, "8"),
        Bad("5-3 0 * * *", .minute, "5-3"),
        Bad("*/0 0 * * *", .minute, "*/0"),
        Bad("*/x 0 * * *", .minute, "x"),
        Bad("1,,2 0 * * *", .minute, "1,,2"),
        Bad("-1 0 * * *", .minute, ""),
        Bad("L 0 * * *", .minute, "L"),
        Bad("0 L * * *", .hour, "L"),
        Bad("0 0 5L * *", .dayOfMonth, "5L"),
        Bad("0 0 W * *", .dayOfMonth, "W"),
        Bad("0 0 * JANUARY *", .month, "JANUARY"),
        Bad("0 0 * DEC-JAN *", .month, "DEC-JAN"),
        Bad("0 0 * * SUNDAY", .dayOfWeek, "SUNDAY"),
        Bad("0 0 * * MON-SUN", .dayOfWeek, "MON-SUN"),
        Bad("0 0 * * 8L", .dayOfWeek, "8"),
        Bad("0 0 * * L", .dayOfWeek, "L"),
        Bad("0 0 * * MONL", .dayOfWeek, "MONL"),
        Bad("0 0 * * 1#0", .dayOfWeek, "1#0"),
        Bad("0 0 * * 1#6", .dayOfWeek, "1#6"),
        Bad("0 0 * * 1#", .dayOfWeek, ""),
        Bad("0 0 * * #2", .dayOfWeek, ""),
        Bad("0 0 1#2 * *", .dayOfMonth, "1#2"),
        Bad("0 0 ? * *", .dayOfMonth, "?"),
        Bad("0 0 30 2 *", .dayOfMonth, "30"),
        Bad("0 0 31 4,6 *", .dayOfMonth, "31"),
        Bad("0 0 30,31 FEB *", .dayOfMonth, "30,31"),
        Bad("0 0 */20 * 2#5", .dayOfWeek, "2#5"),
        Bad("0 0 * *", nil, "0 0 * *"),
        Bad("0 0 0 * * *", nil, "0 0 0 * * *"),
        Bad("", nil, ""),
        Bad("@reboot", nil, "@reboot"),
        Bad("@daily 5", nil, "@daily 5"),
    ])
    func refusesInvalidExpressionNamingFieldAndToken(_ bad: Bad) {
        #expect {
            try CronExpression.parse(bad.cron)
        } throws: { error in
            guard let error = error as? CronError else { return false }
            return error.field == bad.field && error.token == bad.token
                && error.description.contains("\"\(bad.token)\"")
        }
    }

    @Test func outOfRangeMessageNamesFieldTokenAndRange() {
        #expect(throws: CronError(field: .dayOfWeek, token: "8", reason: "is out of range 0-7")) {
            try CronExpression.parse("0 0 * * 8")
        }
        let error = CronError(field: .dayOfWeek, token: "8", reason: "is out of range 0-7")
        #expect(error.description == #"day-of-week: "8" is out of range 0-7"#)
    }

    @Test func neverFiringExpressionSaysSo() {
        do {
            _ = try CronExpression.parse("0 0 30 2 *")
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("can never fire"))
            #expect(error.field == .dayOfMonth)
        }
    }

    @Test func macrosExpandToTheirFiveFields() throws {
        #expect(try CronExpression.parse("@hourly").fields == ["0", "*", "*", "*", "*"])
        #expect(try CronExpression.parse("@weekly").fields == ["0", "0", "*", "*", "0"])
        #expect(try CronExpression.parse("@annually").fields == ["0", "0", "1", "1", "*"])
    }

    @Test func stepOnASingleValueRunsToTheEndOfTheRange() throws {
        // cronsim: "10/5" is 10, 15, ... 55; "5-5/2" behaves like "5/2".
        #expect(
            try CronExpression.parse("10/5 * * * *").spec.minutes
                == (10...59).filter { $0 % 5 == 0 }
                .reduce(UInt64(0)) { $0 | 1 << UInt64($1) })
        #expect(
            try CronExpression.parse("0 5-5/2 * * *").spec.hours
                == [5, 7, 9, 11, 13, 15, 17, 19, 21, 23]
                .reduce(UInt64(0)) { $0 | 1 << UInt64($1) })
    }

    @Test func weekdaySevenIsSunday() throws {
        #expect(try CronExpression.parse("0 0 * * 7").spec.weekdays == 1)
        #expect(try CronExpression.parse("0 0 * * SUN").spec.weekdays == 1)
    }

    @Test func dayFieldsCombineWithAndWhenEitherStartsWithStar() throws {
        #expect(try CronExpression.parse("0 0 1 * MON").spec.dayAnd == false)
        #expect(try CronExpression.parse("0 0 */2 * MON").spec.dayAnd == true)
        #expect(try CronExpression.parse("0 0 1 * *").spec.dayAnd == true)
    }
}
