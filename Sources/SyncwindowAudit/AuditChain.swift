import Crypto
import Foundation
import SyncwindowCivilTime

/// The hash chain over audit rows: each row's hash covers its own content and the previous
/// row's hash, so editing, removing or reordering any row breaks every hash after it.
package enum AuditChain {
    /// The `prev_hash` of the first row.
    package static let genesis = String(repeating: "0", count: 64)

    package static func hash(id: Int64, recordedAt: String, fields: [String: String?], previousHash: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("syncwindow-audit-v1\n\(id)\n\(recordedAt)\n".utf8))
        for key in fields.keys.sorted() {
            let stored = fields[key]!
            if stored == nil && AuditRow.columnsHashedOnlyWhenSet.contains(key) { continue }
            // Length-prefixed, so no choice of values can make two different rows hash alike.
            let value = stored ?? "\u{0}null"
            hasher.update(data: Data("\(key)=\(value.utf8.count):\(value)\n".utf8))
        }
        hasher.update(data: Data(previousHash.utf8))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
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
        return String(
            format: "%04d-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ", year, month, day, seconds / 3600,
            seconds / 60 % 60, seconds % 60, millisOfDay % 1000)
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
