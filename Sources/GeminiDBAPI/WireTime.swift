import Foundation
import SyncwindowCivilTime

/// The timestamp formats of the API, in UTC, without Foundation formatters (thread-safe, locale-free).
public enum WireTime {
    /// `yyyyMMdd'T'HHmmss'Z'`, the `X-Sdk-Date` format.
    public static func sdkDate(_ date: Date) -> String {
        let c = components(of: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'`; a date that does not exist (`20260231…`) is refused.
    public static func parseSDKDate(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let year = scanner.digits(4), let month = scanner.digits(2), let day = scanner.digits(2),
            scanner.expect("T"), let hour = scanner.digits(2), let minute = scanner.digits(2),
            let second = scanner.digits(2), scanner.expect("Z"), scanner.isAtEnd,
            CivilTime.isValid(year: year, month: month, day: day),
            CivilTime.isValid(hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(
            timeIntervalSince1970: TimeInterval(
                CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)))
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
        let seconds = Int64(floor(date.timeIntervalSince1970))
        let days = CivilTime.floorDiv(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let civil = CivilTime.date(days: days)
        return Components(
            year: civil.year, month: civil.month, day: civil.day, hour: secondOfDay / 3600,
            minute: secondOfDay % 3600 / 60, second: secondOfDay % 60)
    }
}
