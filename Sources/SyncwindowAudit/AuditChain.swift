import Crypto
import Foundation

/// The hash chain over audit rows: each row's hash covers its own content and the previous
/// row's hash, so editing, removing or reordering any row breaks every hash after it.
enum AuditChain {
    /// The `prev_hash` of the first row.
    static let genesis = String(repeating: "0", count: 64)

    static func hash(id: Int64, recordedAt: String, fields: [String: String?], previousHash: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("syncwindow-audit-v1\n\(id)\n\(recordedAt)\n".utf8))
        for key in fields.keys.sorted() {
            // Length-prefixed, so no choice of values can make two different rows hash alike.
            let value = fields[key]! ?? "\u{0}null"
            hasher.update(data: Data("\(key)=\(value.utf8.count):\(value)\n".utf8))
        }
        hasher.update(data: Data(previousHash.utf8))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Timestamps as stored: RFC 3339 in UTC with milliseconds, which sorts as text.
enum AuditTimestamp {
    static func string(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = Int(milliseconds.floorDiv(1000))
        let millis = Int(milliseconds - Int64(seconds) * 1000)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let parts = utc.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year!, parts.month!, parts.day!, parts.hour!,
            parts.minute!,
            parts.second!, millis)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
