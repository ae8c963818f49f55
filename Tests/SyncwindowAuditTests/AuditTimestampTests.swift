import Foundation
import SyncwindowTestSupport
import Testing

@testable import SyncwindowAudit

/// The stored timestamp format, checked against Foundation's ISO 8601 formatter.
@Suite("Audit timestamps")
struct AuditTimestampTests {
    @Test("formatting and parsing agree with ISO8601DateFormatter across three centuries")
    func agreesWithFoundation() throws {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var random = SplitMix64(seed: 20_261_129)
        for _ in 0..<5_000 {
            // 1900-01-01 ... 2200-01-01, whole milliseconds.
            let millis = Int64(random.next() % 9_467_280_000_000) - 2_208_988_800_000
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let text = AuditTimestamp.string(date)
            #expect(text == reference.string(from: date), "\(millis)")
            #expect(AuditTimestamp.date(text) == reference.date(from: text), "\(text)")
        }
    }

    @Test(
        "malformed stored times are refused",
        arguments: [
            "2026-12-01T01:30:00Z", "2026-13-01T01:30:00.000Z", "2026-12-01 01:30:00.000Z", "2026-12-01T01:30:00.000+",
            "", "2026-02-31T00:00:00.000Z", "2026-12-01T24:00:00.000Z",
        ])
    func malformed(text: String) {
        #expect(AuditTimestamp.date(text) == nil)
    }
}
