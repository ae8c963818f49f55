import Foundation
import SyncwindowAudit
import Testing

@testable import SyncwindowCLI
@testable import SyncwindowReconciler

/// The note `status` prints beside a pair: drift said once, in the drift's own words, and a
/// failure that is not the drift still said.
@Suite("status note")
struct StatusNoteTests {
    static let at = Date(timeIntervalSince1970: 1_796_000_000)

    static func status(drift: (outcome: AuditOutcome?, detail: String)?, error: String?) -> PairStatus {
        let event = drift.map {
            AuditEvent(
                id: 7, recordedAt: at,
                event: NewAuditEvent(
                    at: at, pair: "orders", kind: .drift, outcome: $0.outcome?.rawValue, actor: "syncwindow",
                    detail: $0.detail),
                previousHash: "", hash: "")
        }
        return PairStatus(
            pair: "orders",
            desired: DesiredState(
                state: .syncing, reason: "outside any window", openOccurrences: [], pauseInterval: nil, override: nil,
                skipped: []),
            live: LiveObservation(primary: "SUSPENDED", standby: "SUSPENDED", observedAt: at), lastAction: nil,
            drift: event, ownedSides: [], unsettledIntents: 0, lastError: error.map { PairError(at: at, message: $0) })
    }

    @Test("someone else's pause: DRIFT with its detail, and the pass's problem (the same drift) not repeated")
    func driftOnce() {
        let detail = "primary SUSPENDED, standby SUSPENDED"
        let note = StatusCommand.note(
            Self.status(drift: (nil, detail), error: PairProblem.drift(detail).description))
        #expect(note == "DRIFT: \(detail)")
    }

    @Test("syncwindow's pause resumed by hand: RELEASED, and the pass's problem not repeated")
    func releasedOnce() {
        let detail = "primary SYNCING, standby SYNCING"
        let note = StatusCommand.note(
            Self.status(drift: (.released, detail), error: PairProblem.released(detail).description))
        #expect(note == "RELEASED: resumed by hand; left syncing until the window closes")
    }

    @Test("a failure other than the drift is still an ERROR beside it")
    func otherErrorStillShown() {
        let note = StatusCommand.note(
            Self.status(drift: (nil, "primary SUSPENDED"), error: "cannot read live status: timed out"))
        #expect(note.hasPrefix("DRIFT: primary SUSPENDED; ERROR since "))
        #expect(note.hasSuffix(": cannot read live status: timed out"))
    }

    @Test("no drift event: a pass that failed is an ERROR")
    func errorWithoutDrift() {
        let note = StatusCommand.note(Self.status(drift: nil, error: "did not converge within one pass"))
        #expect(note.hasPrefix("ERROR since ") && note.hasSuffix(": did not converge within one pass"))
    }
}
