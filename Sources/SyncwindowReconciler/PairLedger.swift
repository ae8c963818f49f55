import Foundation
import SyncwindowAudit
import SyncwindowSchedule

/// Outcome words on pause/resume outcome events. Stored in the audit: never rename.
public enum AuditOutcome {
    /// The API answered 202 with a job id.
    public static let accepted = "accepted"
    /// A later pass found, from live status, that an unanswered call took effect.
    public static let landed = "landed"
    /// A later pass found, from live status, that an unanswered call did not take effect.
    public static let notApplied = "not_applied"
    /// The API refused the call (a 4xx other than auth), or it failed after retries.
    public static let error = "error"
    /// Job ended in failure: the instance went back to where it was.
    public static let jobFailed = "failed"
    public static let jobCompleted = "completed"
    /// On a drift event: syncwindow's pause was undone by someone else; it lets go of the pair.
    public static let released = "released"
}

/// What the audit trail says about a pair: the operator's hold, which sides syncwindow
/// itself paused, and calls a killed pass may have left unsettled. Derived from the
/// append-only events, so the trail is the single source of truth.
struct PairLedger: Sendable {
    var override: ActiveOverride?
    /// The override event that is in force, or that expired without a later event saying so.
    var lastOverrideEvent: AuditEvent?
    var ownedSides: Set<PairSide>
    var unsettledIntents: [AuditEvent]
    /// When syncwindow last found its own pause undone by someone else.
    var lastReleasedAt: Date?
    /// `window_opened` events no `window_closed` follows yet (read in the same snapshot, so
    /// an idle pass asks the trail one question per pair).
    var openWindowEdges: [AuditEvent] = []

    var ownsPause: Bool { !ownedSides.isEmpty }

    /// The desired state for this pair at `instant`, given what the ledger knows.
    func desiredState(pair: String, at instant: Date, schedule: Schedule) -> DesiredState {
        DesiredState.evaluate(
            pair: pair, at: instant, schedule: schedule, override: override, alreadyPausedBySchedule: ownsPause,
            resumedBySomeoneElseAt: lastReleasedAt)
    }

    static func load(pair: String, at instant: Date, from store: any AuditStoring) async throws -> PairLedger {
        try await store.read { reader in try load(pair: pair, at: instant, from: reader) }
    }

    static func load(pair: String, at instant: Date, from reader: any AuditLedgerReading) throws -> PairLedger {
        let overrideEvent = try reader.latest(pair: pair, kinds: [.overrideSet, .overrideCleared, .overrideExpired])
        var override: ActiveOverride?
        if let event = overrideEvent?.event, event.kind == .overrideSet, let until = event.until, until > instant,
            let state = event.outcome.flatMap(SyncState.init(rawValue:))
        {
            override = ActiveOverride(state: state, until: until, actor: event.actor, reason: event.reason ?? "")
        }
        var owned: Set<PairSide> = []
        for side in PairSide.allCases {
            let last = try reader.latest(
                pair: pair, kinds: [.pauseOutcome, .resumeOutcome, .jobFailed, .drift], side: side,
                outcomes: [AuditOutcome.accepted, AuditOutcome.landed, AuditOutcome.jobFailed, AuditOutcome.released])
            guard let last = last?.event else { continue }
            switch last.kind {
            case .pauseOutcome: owned.insert(side)
            // A failed resume job leaves the instance paused, and still ours to resume.
            case .jobFailed where last.detail == "resume": owned.insert(side)
            default: break
            }
        }
        let released = try reader.latest(pair: pair, kinds: [.drift], outcomes: [AuditOutcome.released])
        return PairLedger(
            override: override, lastOverrideEvent: overrideEvent, ownedSides: owned,
            unsettledIntents: try reader.unsettledIntents(pair: pair), lastReleasedAt: released?.event.at,
            openWindowEdges: try reader.openWindowEdges(pair: pair))
    }

    /// An override whose time ran out with no event saying so yet.
    func expiredOverride(at instant: Date) -> AuditEvent? {
        guard let event = lastOverrideEvent, event.event.kind == .overrideSet, let until = event.event.until,
            until <= instant
        else { return nil }
        return event
    }
}
