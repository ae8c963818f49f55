import Foundation
import Testing

@testable import SyncwindowAudit

/// Stored timestamps: the exact shape round-trips; anything else, or a date that does not
/// exist, reads back as nil rather than as some other instant.
@Suite("audit timestamps")
struct AuditTimestampTests {
    @Test("millisecond instants round-trip")
    func roundTrip() {
        for seconds in [0.0, 1_796_089_800.123, -86_400.5, 4_102_444_799.999] {
            let date = Date(timeIntervalSince1970: seconds)
            let text = AuditTimestamp.string(date)
            #expect(AuditTimestamp.date(text)?.timeIntervalSince1970 == (seconds * 1000).rounded() / 1000, "\(text)")
        }
        #expect(AuditTimestamp.string(Date(timeIntervalSince1970: 1_796_089_800)) == "2026-12-01T01:50:00.000Z")
    }

    @Test(
        "malformed or impossible stored times are refused",
        arguments: ["2026-02-31T00:00:00.000Z", "2026-12-01T24:00:00.000Z", "2026-12-01T01:30:00Z", "2026-12-01 01:30:00.000Z"])
    func refused(_ text: String) {
        #expect(AuditTimestamp.date(text) == nil)
    }
}
