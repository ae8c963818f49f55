import Foundation

/// RFC 3339 timestamps with an explicit offset, as used on the command line and in JSON.
public enum RFC3339 {
    /// Parses `2026-12-01T01:30:00+08:00`, `2026-12-01T01:30:00.250Z` and the like.
    /// An offset (or `Z`) is required; `t`/`z` and a space separator are accepted.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
                i += 1
            }
            return value
        }
        func expect(_ chars: String) -> Bool {
            guard i < bytes.count, chars.utf8.contains(bytes[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            expect("Tt "), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
            let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), (1...CivilTime.daysInMonth(year: year, month: month)).contains(day),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var fraction = 0.0
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < bytes.count, bytes[i] >= 48 && bytes[i] <= 57 {
                fraction += Double(bytes[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        let offset: Int
        if expect("Zz") {
            offset = 0
        } else {
            guard i < bytes.count else { return nil }
            let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
            guard expect("+-"), let oh = digits(2), expect(":"), let om = digits(2), oh <= 23, om <= 59 else {
                return nil
            }
            offset = sign * (oh * 3600 + om * 60)
        }
        guard i == bytes.count else { return nil }
        let wall = CivilTime.days(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
        return Date(timeIntervalSince1970: Double(wall - Int64(offset)) + fraction)
    }

    /// Formats `date` as wall time in `zone` with its offset: `2026-12-01T01:30:00+08:00`;
    /// `Z` in UTC. Fractional seconds appear (as milliseconds) only when present.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = Int64(seconds.rounded(.down))
        var millis = Int(((seconds - Double(whole)) * 1000).rounded())
        var base = whole
        if millis >= 1000 {
            base += 1
            millis -= 1000
        }
        // RFC 3339 offsets have minute precision.
        let offset = CivilTime.floorDiv(ZoneTable.forZone(zone).offset(atUTC: base), 60) * 60
        let wall = WallFields(base + offset)
        var text = pad(wall.year, 4) + "-" + pad(wall.month, 2) + "-" + pad(wall.day, 2) + "T"
            + pad(wall.hour, 2) + ":" + pad(wall.minute, 2) + ":" + pad(wall.second, 2)
        if millis != 0 { text += "." + pad(millis, 3) }
        if offset == 0 && isUTC(zone) {
            text += "Z"
        } else {
            let magnitude = abs(offset)
            text += (offset < 0 ? "-" : "+") + pad(Int(magnitude / 3600), 2) + ":" + pad(Int(magnitude % 3600 / 60), 2)
        }
        return text
    }

    static func isUTC(_ zone: TimeZone) -> Bool {
        ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Universal", "Zulu", "Etc/Universal", "Etc/Zulu", "GMT+0000", "GMT0",
            "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "UCT", "Etc/UCT", "Greenwich", "Etc/Greenwich"]
            .contains(zone.identifier)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
