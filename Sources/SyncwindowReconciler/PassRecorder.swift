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
    let mode: PassMode
    /// Whether the pass is bracketed by pass_started/pass_finished. A dry run writes only
    /// its `dry_run` notes (docs/design.md, "The audit trail"), so it is not.
    let bracketed: Bool
    /// What the pass's configuration plans, recorded as a `configuration` event when the trail
    /// does not already hold it as the configuration in force (nil: never recorded).
    let snapshot: ConfigurationSnapshot?
    private var started = false

    init(
        store: any AuditStoring, passID: String, at: Date, actor: String, configurationHash: String, mode: PassMode,
        bracketed: Bool = true, snapshot: ConfigurationSnapshot? = nil
    ) {
        self.store = store
        self.passID = passID
        self.at = at
        self.actor = actor
        self.configurationHash = configurationHash
        self.mode = mode
        self.bracketed = bracketed
        self.snapshot = snapshot
    }

    /// Records one event of this pass, stamped with the pass's instant and actor.
    @discardableResult
    func record(
        _ kind: AuditKind, pair: String? = nil, side: PairSide? = nil, window: String? = nil,
        outcome: AuditOutcome? = nil, overrideState: SyncState? = nil, jobID: String? = nil, reason: String? = nil,
        detail: String? = nil, until: Date? = nil, intentID: Int64? = nil
    ) async throws -> AuditEvent {
        try await record([
            event(
                kind, pair: pair, side: side, window: window, outcome: outcome, overrideState: overrideState,
                jobID: jobID, reason: reason, detail: detail, until: until, intentID: intentID)
        ]).last!
    }

    /// An event of this pass, stamped with the pass's instant and actor, for ``record(_:)``. The trail has
    /// one `outcome` column: a call's, a job's or a drift's ``AuditOutcome``, or an override's state.
    nonisolated func event(
        _ kind: AuditKind, pair: String? = nil, side: PairSide? = nil, window: String? = nil,
        outcome: AuditOutcome? = nil, overrideState: SyncState? = nil, jobID: String? = nil, reason: String? = nil,
        detail: String? = nil, until: Date? = nil, intentID: Int64? = nil
    ) -> NewAuditEvent {
        precondition(outcome == nil || overrideState == nil, "an event has one outcome column")
        return NewAuditEvent(
            at: at, passID: passID, pair: pair, side: side, window: window, kind: kind,
            outcome: outcome?.rawValue ?? overrideState?.rawValue, jobID: jobID, actor: actor, reason: reason,
            detail: detail, until: until, intentID: intentID)
    }

    /// Records events of ONE pair's pass in one append, in order, under the acting hold's fence
    /// (never several pairs' events: each pair's appends carry its own lease). Returns them stored.
    @discardableResult
    func record(_ pairEvents: [NewAuditEvent]) async throws -> [AuditEvent] {
        var events: [NewAuditEvent] = []
        // Decide and mark before the first await: the actor is reentrant, and pairs of one
        // pass record concurrently, so checking after the write would bracket twice.
        if !started && bracketed {
            started = true
            events.append(
                NewAuditEvent(
                    at: at, passID: passID, kind: .passStarted, actor: actor, reason: mode.rawValue,
                    detail: "config sha256=\(configurationHash)"))
        }
        events += pairEvents
        let stored = try await store.append(events, fence: ActingHold.current?.fence)
        return Array(stored.suffix(pairEvents.count))
    }

    /// Records the configuration (a `configuration` event, right after `pass_started` in the
    /// same append) unless the trail's configuration in force at this instant is already
    /// this one. Called once at the start of a pass, before any pair records: a change of
    /// configuration is recorded even by a pass with nothing else to do, because a change
    /// that makes the pass do nothing (a window disabled before it opens) is exactly what
    /// the report must not miss.
    func recordConfigurationIfChanged() async throws {
        guard bracketed, !started, let snapshot else { return }
        // In force at `at`: the latest at or before it (a rehearsal's `--at` may go back in time;
        // the trail keeps milliseconds). One index walk over the configuration events alone.
        let instant = at.addingTimeInterval(0.001)
        let inForce = try await store.latestUnpaired(kind: .configuration, atOrBefore: instant)
        let previous = inForce.flatMap { $0.event.detail }.flatMap { try? ConfigurationSnapshot.parse($0) }
        if previous?.configSHA256 == snapshot.configSHA256 { return }
        let reason =
            if let previous {
                "changed from sha256=\(previous.configSHA256)"
            } else if inForce != nil {
                "the last one recorded is unreadable"
            } else {
                "none recorded before"
            }
        started = true
        try await store.append([
            NewAuditEvent(
                at: at, passID: passID, kind: .passStarted, actor: actor, reason: mode.rawValue,
                detail: "config sha256=\(configurationHash)"),
            NewAuditEvent(
                at: at, passID: passID, kind: .configuration, actor: actor, reason: reason, detail: snapshot.json()),
        ])
    }

    func finish(summary: String) async throws {
        guard started && bracketed else { return }
        try await store.append(
            NewAuditEvent(at: at, passID: passID, kind: .passFinished, actor: actor, detail: summary))
    }
}
