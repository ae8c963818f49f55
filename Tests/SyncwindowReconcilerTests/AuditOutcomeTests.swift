import Foundation
import SyncwindowAudit
import Testing

@testable import SyncwindowReconciler

/// The trail's `outcome` column is hashed with each event: its words are read back by every later
/// pass and report, so they are pinned here.
@Suite("audit outcome words")
struct AuditOutcomeTests {
    static func event(_ kind: AuditKind, _ outcome: String?) -> NewAuditEvent {
        NewAuditEvent(at: Date(timeIntervalSince1970: 0), pair: "orders", kind: kind, outcome: outcome, actor: "t")
    }

    @Test("each outcome is stored as the word older trails hold")
    func storedWords() {
        #expect(
            AuditOutcome.allCases.map(\.rawValue) == [
                "accepted", "landed", "not_applied", "error", "failed", "completed", "released",
            ])
    }

    @Test("a call, job or drift event reads as an outcome; an override event's word is its state")
    func readByKind() {
        #expect(Self.event(.pauseOutcome, "not_applied").auditOutcome == .notApplied)
        #expect(Self.event(.jobFailed, "failed").auditOutcome == .jobFailed)
        #expect(Self.event(.drift, "released").auditOutcome == .released)
        #expect(Self.event(.drift, nil).auditOutcome == nil)
        #expect(Self.event(.resumeOutcome, "paused").auditOutcome == nil)
        #expect(Self.event(.pauseOutcome, "paused").overrideState == nil)
        #expect(Self.event(.overrideSet, "paused").overrideState == .paused)
        #expect(Self.event(.overrideExpired, "syncing").overrideState == .syncing)
        #expect(Self.event(.overrideSet, "accepted").overrideState == nil)
        #expect(Self.event(.overrideSet, "accepted").auditOutcome == nil)
    }
}
