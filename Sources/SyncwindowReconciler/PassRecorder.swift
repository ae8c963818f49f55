import Foundation
import SyncwindowAudit

/// Writes one pass's events. The `pass_started` event (with the configuration hash) is
/// written lazily, just before the pass's first event, so that a pass with nothing to do
/// leaves no noise in the trail — while any pass that acts is bracketed by it.
actor PassRecorder {
    let store: any AuditStoring
    let passID: String
    let at: Date
    let actor: String
    let configurationHash: String
    let mode: String
    /// Whether the pass is bracketed by pass_started/pass_finished. A dry run writes only
    /// its `dry_run` notes (SPEC.md), so it is not.
    let bracketed: Bool
    private var started = false

    init(
        store: any AuditStoring, passID: String, at: Date, actor: String, configurationHash: String, mode: String,
        bracketed: Bool = true
    ) {
        self.store = store
        self.passID = passID
        self.at = at
        self.actor = actor
        self.configurationHash = configurationHash
        self.mode = mode
        self.bracketed = bracketed
    }

    /// Records one event of this pass, stamped with the pass's instant and actor.
    @discardableResult
    func record(
        _ kind: AuditKind, pair: String? = nil, side: PairSide? = nil, window: String? = nil, outcome: String? = nil,
        jobID: String? = nil, reason: String? = nil, detail: String? = nil, until: Date? = nil, intentID: Int64? = nil
    ) async throws -> AuditEvent {
        var events: [NewAuditEvent] = []
        // Decide and mark before the first await: the actor is reentrant, and pairs of one
        // pass record concurrently, so checking after the write would bracket twice.
        if !started && bracketed {
            started = true
            events.append(
                NewAuditEvent(
                    at: at, passID: passID, kind: .passStarted, actor: actor, reason: mode,
                    detail: "config sha256=\(configurationHash)"))
        }
        events.append(
            NewAuditEvent(
                at: at, passID: passID, pair: pair, side: side, window: window, kind: kind, outcome: outcome,
                jobID: jobID,
                actor: actor, reason: reason, detail: detail, until: until, intentID: intentID))
        let stored = try await store.append(events)
        return stored.last!
    }

    func finish(summary: String) async throws {
        guard started && bracketed else { return }
        try await store.append(
            NewAuditEvent(at: at, passID: passID, kind: .passFinished, actor: actor, detail: summary))
    }
}
