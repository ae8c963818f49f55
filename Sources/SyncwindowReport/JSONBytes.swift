/// `JSONValue.rendered()` (pretty) written into bytes: the same text, without a `String` grown piece by piece.
/// For outputs of a million values (`audit --format json` over a year's trail).
package enum JSONBytes {
    /// Appends `value` as `rendered()` writes it when nested `level` deep (the caller writes the indentation in
    /// front of the value itself, as `JSONValue` does).
    package static func append(_ value: JSONValue, level: Int, to bytes: inout [UInt8]) {
        switch value {
        case .string(let text): appendQuoted(text, to: &bytes)
        case .number(let number): bytes.append(contentsOf: (number.isFinite ? String(number) : "null").utf8)
        case .integer(let integer): bytes.append(contentsOf: String(integer).utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null: bytes.append(contentsOf: "null".utf8)
        case .array(let items):
            guard !items.isEmpty else { return bytes.append(contentsOf: "[]".utf8) }
            bytes.append(contentsOf: "[\n".utf8)
            for (index, item) in items.enumerated() {
                pad(level + 1, &bytes)
                append(item, level: level + 1, to: &bytes)
                if index < items.count - 1 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\n"))
            }
            pad(level, &bytes)
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { return bytes.append(contentsOf: "{}".utf8) }
            bytes.append(contentsOf: "{\n".utf8)
            for (index, (key, member)) in members.enumerated() {
                pad(level + 1, &bytes)
                appendQuoted(key, to: &bytes)
                bytes.append(contentsOf: ": ".utf8)
                append(member, level: level + 1, to: &bytes)
                if index < members.count - 1 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\n"))
            }
            pad(level, &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    package static func pad(_ level: Int, _ bytes: inout [UInt8]) {
        for _ in 0..<level { bytes.append(contentsOf: "  ".utf8) }
    }

    /// `JSONValue.quoted` on bytes: every escape it makes is of an ASCII scalar, so the rest of the UTF-8
    /// passes through as it is.
    package static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): bytes.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): bytes.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): bytes.append(contentsOf: "\\t".utf8)
                case ..<0x20:
                    bytes.append(contentsOf: "\\u00".utf8)
                    bytes.append(hexDigits[Int(byte >> 4)])
                    bytes.append(hexDigits[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    package static let hexDigits = Array("0123456789abcdef".utf8)
}
