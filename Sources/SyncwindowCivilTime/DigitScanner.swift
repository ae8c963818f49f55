/// Reads fixed-width decimal fields and literal separators from UTF-8 bytes, left to right:
/// the one scanner behind every timestamp syncwindow parses (RFC 3339 on the command line,
/// the API's `X-Sdk-Date`, the audit trail's stored times).
public struct DigitScanner {
    public let bytes: [UInt8]
    public private(set) var index = 0

    public init(_ text: String) {
        bytes = Array(text.utf8)
    }

    public var isAtEnd: Bool { index == bytes.count }

    /// The next `count` bytes as a non-negative number, or nil (nothing consumed) if any is not a digit.
    public mutating func digits(_ count: Int) -> Int? {
        guard index + count <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<count {
            let byte = bytes[index + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += count
        return value
    }

    /// Consumes one byte if it is one of `choices`.
    public mutating func expect(_ choices: String) -> Bool {
        guard index < bytes.count, choices.utf8.contains(bytes[index]) else { return false }
        index += 1
        return true
    }

    /// The next byte, if any, without consuming it.
    public var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// A run of digits after a decimal point, as a fraction of a second; nil if there are none.
    public mutating func fraction() -> Double? {
        var value = 0.0
        var scale = 0.1
        let start = index
        while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            value += Double(byte - UInt8(ascii: "0")) * scale
            scale /= 10
            index += 1
        }
        return index > start ? value : nil
    }

    /// `YYYY-MM-DD` then one of `separators` then `hh:mm:ss`, each field validated (no `02-31`).
    public mutating func dateTime(separators: String) -> (days: Int64, secondOfDay: Int)? {
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            expect(separators), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
            let second = digits(2), CivilTime.isValid(year: year, month: month, day: day),
            CivilTime.isValid(hour: hour, minute: minute, second: second)
        else { return nil }
        return (CivilTime.days(year: year, month: month, day: day), hour * 3600 + minute * 60 + second)
    }
}
