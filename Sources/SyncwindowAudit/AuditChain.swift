import Crypto
import Foundation
import SyncwindowCivilTime

/// The hash chain over audit rows: each row's hash covers its own content and the previous
/// row's hash, so editing, removing or reordering any row breaks every hash after it.
///
/// What is hashed, byte for byte (never change it: every stored trail depends on it):
/// `syncwindow-audit-v1\n{id}\n{recorded_at}\n`, then for each hashed column in name order
/// `{name}={UTF-8 length}:{value}\n` (NULL as the value `\0null`; a column hashed only when set
/// is left out while NULL), then the previous row's hash; SHA-256, as 64 lower-case hex digits.
package enum AuditChain {
    /// The `prev_hash` of the first row.
    package static let genesis = String(repeating: "0", count: 64)

    /// One hashed column, in the order the hash takes them (by name), with its `name=` bytes.
    package struct HashedField: Sendable {
        package let name: String
        package let hashedOnlyWhenSet: Bool
        let label: [UInt8]
    }

    /// `AuditRow.hashedColumns` in hashing order.
    package static let hashOrder: [HashedField] = AuditRow.hashedColumns.sorted { $0.name < $1.name }.map {
        HashedField(name: $0.name, hashedOnlyWhenSet: $0.hashedOnlyWhenSet, label: Array("\($0.name)=".utf8))
    }

    package static func hash(id: Int64, recordedAt: String, fields: [String: String?], previousHash: String) -> String {
        var input = HashInput()
        input.start(id: id)
        input.append(line: recordedAt)
        if fields.count == hashOrder.count, hashOrder.allSatisfy({ fields.index(forKey: $0.name) != nil }) {
            // Every hashed column and nothing else (the rows of every driver): the precomputed order.
            for field in hashOrder {
                let value = fields[field.name]!
                if value == nil && field.hashedOnlyWhenSet { continue }
                input.append(label: field.label, value: value)
            }
        } else {
            for key in fields.keys.sorted() {
                let stored = fields[key]!
                if stored == nil && AuditRow.columnsHashedOnlyWhenSet.contains(key) { continue }
                input.append(label: Array("\(key)=".utf8), value: stored)
            }
        }
        input.append(text: previousHash)
        return input.hexDigest()
    }

    /// The bytes a row's hash covers, put together in one buffer and hashed at once. Reused from row to row.
    package struct HashInput {
        private(set) var bytes: [UInt8] = []

        package init() {
            bytes.reserveCapacity(1024)
        }

        /// Starts a row: the format tag and the id.
        package mutating func start(id: Int64) {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: Self.tag)
            appendDecimal(id)
            bytes.append(UInt8(ascii: "\n"))
        }

        /// `text`, then a newline.
        package mutating func append(line text: String) {
            append(text: text)
            bytes.append(UInt8(ascii: "\n"))
        }

        package mutating func append(line raw: UnsafeRawBufferPointer) {
            bytes.append(contentsOf: raw)
            bytes.append(UInt8(ascii: "\n"))
        }

        package mutating func append(text: String) {
            var text = text
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }

        package mutating func append(raw: UnsafeRawBufferPointer) {
            bytes.append(contentsOf: raw)
        }

        /// `name=length:value` and a newline; NULL as `\0null`.
        package mutating func append(label: [UInt8], value: String?) {
            guard var value else { return appendNull(label: label) }
            value.withUTF8 { append(label: label, raw: UnsafeRawBufferPointer($0)) }
        }

        package mutating func append(label: [UInt8], raw: UnsafeRawBufferPointer) {
            label.withUnsafeBytes { append(labelBytes: $0, raw: raw) }
        }

        package mutating func append(labelBytes label: UnsafeRawBufferPointer, raw: UnsafeRawBufferPointer) {
            bytes.append(contentsOf: label)
            appendDecimal(Int64(raw.count))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: raw)
            bytes.append(UInt8(ascii: "\n"))
        }

        package mutating func appendNull(label: [UInt8]) {
            label.withUnsafeBytes { appendNull(labelBytes: $0) }
        }

        package mutating func appendNull(labelBytes label: UnsafeRawBufferPointer) {
            bytes.append(contentsOf: label)
            bytes.append(contentsOf: Self.null)
        }

        /// SHA-256 of the bytes, as 64 lower-case hex digits written into `out`.
        package func hexDigest(into out: UnsafeMutableRawBufferPointer) {
            let digest = SHA256.hash(data: bytes)
            digest.withUnsafeBytes { raw in
                for (index, byte) in raw.enumerated() {
                    out[2 * index] = Self.hexDigits[Int(byte >> 4)]
                    out[2 * index + 1] = Self.hexDigits[Int(byte & 0x0F)]
                }
            }
        }

        package func hexDigest() -> String {
            String(unsafeUninitializedCapacity: 64) { buffer in
                hexDigest(into: UnsafeMutableRawBufferPointer(buffer))
                return 64
            }
        }

        private mutating func appendDecimal(_ value: Int64) {
            if value < 0 {
                bytes.append(UInt8(ascii: "-"))
                // Int64.min has no positive twin: its digits as text.
                guard value != .min else { return bytes.append(contentsOf: Array(String(value).utf8.dropFirst())) }
                return appendDecimal(-value)
            }
            var digits:
                (
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
                ) = (
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                )
            var count = 0
            var rest = value
            withUnsafeMutableBytes(of: &digits) { buffer in
                repeat {
                    buffer[19 - count] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                    count += 1
                } while rest > 0
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
            }
        }

        static let tag = Array("syncwindow-audit-v1\n".utf8)
        static let null = Array("5:\u{0}null\n".utf8)
        static let hexDigits = Array("0123456789abcdef".utf8)
    }
}

/// Timestamps as stored: RFC 3339 in UTC with milliseconds (`2026-12-01T01:30:00.000Z`),
/// which sorts as text. Converted by arithmetic, not by a Calendar or a formatter: every
/// row read by `audit`, `status` and `report` goes through here.
package enum AuditTimestamp {
    package static func string(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = CivilTime.floorDiv(milliseconds, 86_400_000)
        let millisOfDay = milliseconds - days * 86_400_000
        let (year, month, day) = CivilTime.date(days: days)
        let seconds = millisOfDay / 1000
        guard (0...9999).contains(year) else {
            return String(
                format: "%04d-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ", year, month, day, seconds / 3600,
                seconds / 60 % 60, seconds % 60, millisOfDay % 1000)
        }
        // Digit by digit: `String(format:)` costs microseconds, and every appended event stamps two or three.
        return String(unsafeUninitializedCapacity: 24) { text in
            var at = 0
            func put(_ value: Int, _ width: Int, then separator: UInt8?) {
                var rest = value
                for position in stride(from: at + width - 1, through: at, by: -1) {
                    text[position] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                }
                at += width
                if let separator {
                    text[at] = separator
                    at += 1
                }
            }
            put(year, 4, then: UInt8(ascii: "-"))
            put(month, 2, then: UInt8(ascii: "-"))
            put(day, 2, then: UInt8(ascii: "T"))
            put(Int(seconds / 3600), 2, then: UInt8(ascii: ":"))
            put(Int(seconds / 60 % 60), 2, then: UInt8(ascii: ":"))
            put(Int(seconds % 60), 2, then: UInt8(ascii: "."))
            put(Int(millisOfDay % 1000), 3, then: UInt8(ascii: "Z"))
            return at
        }
    }

    /// Reads a stored timestamp back; anything but the exact stored shape (or a date that
    /// does not exist) is nil.
    package static func date(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let (days, secondOfDay) = scanner.dateTime(separators: "T"), scanner.expect("."),
            let millis = scanner.digits(3), scanner.expect("Z"), scanner.isAtEnd
        else { return nil }
        let total = (days * 86_400 + Int64(secondOfDay)) * 1000 + Int64(millis)
        return Date(timeIntervalSince1970: Double(total) / 1000)
    }
}
