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

    /// One hashed column, in the order the hash takes them (by name).
    package struct HashedField: Sendable {
        package let name: String
        package let hashedOnlyWhenSet: Bool
    }

    /// `AuditRow.hashedColumns` in hashing order: the order of ``AuditChainRow/hashedValue(_:)``'s index.
    package static let hashOrder: [HashedField] = AuditRow.hashedColumns.sorted { $0.name < $1.name }.map {
        HashedField(name: $0.name, hashedOnlyWhenSet: $0.hashedOnlyWhenSet)
    }

    /// The hash of a row about to be appended, from its values as text (`AuditRow.hashedFields`; a column
    /// missing from `fields` is hashed as NULL, as `verify` reads a column the table lacks).
    package static func hash(id: Int64, recordedAt: String, fields: [String: String?], previousHash: String) -> String {
        Encoder().hexDigest(id: id, TextRow(recordedAt: recordedAt, fields: fields), previousHash: previousHash)
    }

    /// A row's values as text, by column name.
    struct TextRow: AuditChainRow {
        let recordedAt: String
        let fields: [String: String?]

        func recordedAtValue() -> StoredValue { .text(recordedAt) }

        func hashedValue(_ index: Int) -> StoredValue {
            (fields[hashOrder[index].name] ?? nil).map(StoredValue.text) ?? .null
        }
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
