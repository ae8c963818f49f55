import Foundation
import Testing

@testable import SyncwindowAudit

/// `AuditTimestamp.date(utf8:)` reads stored bytes as `date(_:)` reads the same text: the same dates, the same
/// refusals.
@Suite("AuditTimestamp from bytes")
struct AuditTimestampBytesTests {
    static let texts = [
        "2026-12-01T01:30:00.000Z", "1970-01-01T00:00:00.000Z", "2024-02-29T23:59:59.999Z", "0001-01-01T00:00:00.001Z",
        "9999-12-31T23:59:59.999Z", "2025-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-12-01T24:00:00.000Z",
        "2026-12-01T01:60:00.000Z", "2026-12-01 01:30:00.000Z", "2026-12-01T01:30:00Z", "2026-12-01T01:30:00.000",
        "2026-12-01T01:30:00.000Z ", "2026-12-0aT01:30:00.000Z", "+026-12-01T01:30:00.000Z", "", "2026-12-01",
        "２026-12-01T01:30:00.000Z",
    ]

    @Test("the same answer as date(_:) for every text", arguments: texts)
    func sameAsText(text: String) {
        var copy = text
        let fromBytes = copy.withUTF8 { AuditTimestamp.date(utf8: UnsafeRawBufferPointer($0)) }
        #expect(fromBytes == AuditTimestamp.date(text))
    }

    @Test("every millisecond of a stored instant comes back")
    func roundTrip() {
        for offset in stride(from: -86_400_000.0, to: 86_400_000.0 * 800, by: 7_777_777.123) {
            let date = Date(timeIntervalSince1970: (offset / 1000).rounded(.down))
            var text = AuditTimestamp.string(date)
            let back = text.withUTF8 { AuditTimestamp.date(utf8: UnsafeRawBufferPointer($0)) }
            #expect(back == AuditTimestamp.date(text))
            #expect(back != nil)
        }
    }
}
