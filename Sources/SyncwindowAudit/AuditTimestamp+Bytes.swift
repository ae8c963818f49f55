import Foundation
import SyncwindowCivilTime

extension AuditTimestamp {
    /// `date(_:)` on a stored timestamp's UTF-8 bytes, without making a `String` (and a scanner's array) of them
    /// first: the same shape, `YYYY-MM-DDThh:mm:ss.mmmZ` and nothing else, and the same validation.
    package static func date(utf8 bytes: UnsafeRawBufferPointer) -> Date? {
        guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
        else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for offset in start..<start + count {
                let byte = bytes[offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
            let minute = digits(14, 2), let second = digits(17, 2), let millis = digits(20, 3),
            CivilTime.isValid(year: year, month: month, day: day),
            CivilTime.isValid(hour: hour, minute: minute, second: second)
        else { return nil }
        let days = CivilTime.days(year: year, month: month, day: day)
        let total = (days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millis)
        return Date(timeIntervalSince1970: Double(total) / 1000)
    }
}
