import Foundation
import SyncwindowCivilTime

extension LocalDate {
    /// Parses a strict `YYYY-MM-DD` that names a real date (no Feb 30, no 2027-02-29).
    public static func parse(_ text: String) -> LocalDate? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard bytes[i] >= 48 && bytes[i] <= 57 else { return nil }
                value = value * 10 + Int(bytes[i] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), (1...CivilTime.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    /// The local date of `instant` in `zone`.
    public init(containing instant: Date, in zone: TimeZone) {
        let t = Int64(instant.timeIntervalSince1970.rounded(.down))
        let wall = WallFields(ZoneTable.forZone(zone).wall(utc: t).wall)
        self.init(year: wall.year, month: wall.month, day: wall.day)
    }

    /// Days since 1970-01-01.
    var dayNumber: Int64 { CivilTime.days(year: year, month: month, day: day) }

    init(dayNumber: Int64) {
        let date = CivilTime.date(days: dayNumber)
        self.init(year: date.year, month: date.month, day: date.day)
    }

    /// The date `count` days later (earlier when negative).
    public func adding(days count: Int) -> LocalDate {
        LocalDate(dayNumber: dayNumber + Int64(count))
    }

    /// The day of the week, Sunday = 0 … Saturday = 6 (as cron counts them).
    public var weekday: Int { CivilTime.weekday(days: dayNumber) }

    /// The instants at which the clocks in `zone` read `hour`:00 on this date: none when the hour falls in a
    /// spring-forward gap, two when the clocks are put back over it, otherwise one.
    public func instants(atHour hour: Int, in zone: TimeZone) -> [Date] {
        let table = ZoneTable.forZone(zone)
        let wall = dayNumber * 86_400 + Int64(hour) * 3_600
        guard !table.isImaginary(wall: wall) else { return [] }
        let first = table.utc(wall: wall, fold: false)
        let second = table.utc(wall: wall, fold: true)
        return Set([first, second]).sorted().map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// The first instant of this date in `zone` (after the gap when midnight does not exist).
    public func startInstant(in zone: TimeZone) -> Date {
        let table = ZoneTable.forZone(zone)
        var wall = dayNumber * 86_400
        while table.isImaginary(wall: wall) { wall += 60 }
        return Date(timeIntervalSince1970: Double(table.utc(wall: wall, fold: false)))
    }
}
