import Foundation
import SyncwindowCivilTime

/// RFC 3339 timestamps with an explicit offset, as used on the command line and in JSON.
public enum RFC3339 {
    /// Parses `2026-12-01T01:30:00+08:00`, `2026-12-01T01:30:00.250Z` and the like.
    /// An offset (or `Z`) is required; `t`/`z` and a space separator are accepted. Nil for instants
    /// outside ``supported``.
    public static func parse(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let (days, secondOfDay) = scanner.dateTime(separators: "Tt ") else { return nil }
        var fraction = 0.0
        if scanner.expect(".") {
            guard let digits = scanner.fraction() else { return nil }
            fraction = digits
        }
        let offset: Int
        if scanner.expect("Zz") {
            offset = 0
        } else {
            let sign = scanner.peek == UInt8(ascii: "-") ? -1 : 1
            guard scanner.expect("+-"), let hours = scanner.digits(2), scanner.expect(":"),
                let minutes = scanner.digits(2), hours <= 23, minutes <= 59
            else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard scanner.isAtEnd else { return nil }
        let wall = days * 86_400 + Int64(secondOfDay)
        let utc = wall - Int64(offset)
        guard supported.contains(utc) else { return nil }
        return Date(timeIntervalSince1970: Double(utc) + fraction)
    }

    /// UTC seconds of the instants `parse` accepts: years 0001–9999 with a day to spare at each end, so
    /// that `format` writes every one of them, in any zone, as a four-digit year that parses back.
    /// (`0000-01-01T00:30:00+01:00` used to come back as year `00-1`; found by the FuzzTimeText round trip.)
    static let supported =
        CivilTime.days(year: 1, month: 1, day: 2) * 86_400..<CivilTime.days(year: 9999, month: 12, day: 31) * 86_400

    /// Formats `date` as wall time in `zone` with its offset: `2026-12-01T01:30:00+08:00`;
    /// `Z` in UTC. Fractional seconds appear (as milliseconds) only when present.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        var writer = Writer(zone: zone)
        return writer.string(date)
    }

    static func isUTC(_ zone: TimeZone) -> Bool {
        [
            "UTC", "GMT", "Etc/UTC", "Etc/GMT", "Universal", "Zulu", "Etc/Universal", "Etc/Zulu", "GMT+0000", "GMT0",
            "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "UCT", "Etc/UCT", "Greenwich", "Etc/Greenwich",
        ]
        .contains(zone.identifier)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
