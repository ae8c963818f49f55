import Foundation

/// The timestamp formats of the API, in UTC, without Foundation formatters (thread-safe, locale-free).
public enum WireTime {
    /// `yyyyMMdd'T'HHmmss'Z'`, the `X-Sdk-Date` format.
    public static func sdkDate(_ date: Date) -> String {
        let c = components(of: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'`.
    public static func parseSDKDate(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count == 16, chars[8] == UInt8(ascii: "T"), chars[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in chars[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// `2026-11-29T10:00:00+0000`, the jobs' `start_time` / `end_time` format.
    public static func jobTime(_ date: Date) -> String {
        let c = components(of: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d+0000", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// `2026-11-30T10:00:00.000000Z`, IAM's `expires_at` format.
    public static func iamTime(_ date: Date) -> String {
        let c = components(of: date)
        let micros = Int((date.timeIntervalSince1970 - floor(date.timeIntervalSince1970)) * 1_000_000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year, c.month, c.day, c.hour, c.minute, c.second, micros)
    }

    /// Parses RFC 3339 timestamps as IAM writes them (`…Z` or `…+08:00`, optional fraction).
    public static func parseRFC3339(_ text: String) -> Date? {
        let plain = Date.ISO8601FormatStyle(includingFractionalSeconds: false)
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? fractional.parse(text) { return date }
        if let date = try? plain.parse(text) { return date }
        // ISO8601FormatStyle accepts at most milliseconds on some platforms: drop extra digits.
        if let dot = text.firstIndex(of: ".") {
            var end = text.index(after: dot)
            while end < text.endIndex, text[end].isNumber { end = text.index(after: end) }
            let trimmed = String(text[..<dot]) + String(text[end...])
            if let date = try? plain.parse(trimmed) {
                let fraction = Double("0" + text[dot..<end]) ?? 0
                return date.addingTimeInterval(fraction)
            }
        }
        return nil
    }

    struct Components { var year, month, day, hour, minute, second: Int }

    static func components(of date: Date) -> Components {
        let seconds = Int(floor(date.timeIntervalSince1970))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return Components(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60)
    }

    static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }
}
