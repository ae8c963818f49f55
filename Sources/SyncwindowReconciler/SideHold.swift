import GeminiDBAPI
import SyncwindowAudit

/// What an event says about who holds its side's pause: one rule for the pass (`PairLedger`, from each side's
/// latest such event) and the report (`PauseTracker`, event by event).
public enum SideHold: Sendable, Equatable {
    /// syncwindow paused the side, or a resume job failed and left it paused: syncwindow's to resume.
    case syncwindow
    /// syncwindow resumed the side, its pause job failed, or someone else resumed it by hand.
    case released
}

extension NewAuditEvent {
    /// The side's hold after this event; nil for an event that says nothing of it (or has no side).
    public var sideHold: SideHold? {
        guard side != nil else { return nil }
        let took = auditOutcome == .accepted || auditOutcome == .landed
        switch kind {
        case .pauseOutcome where took: return .syncwindow
        case .resumeOutcome where took: return .released
        // A job's event names its call's action: a failed resume job leaves the instance
        // paused, and still ours to resume; a failed pause job leaves it syncing.
        case .jobFailed:
            switch detail.flatMap(SyncAction.init(rawValue:)) {
            case .resume: return .syncwindow
            case .pause: return .released
            case nil: return nil
            }
        // Someone resumed syncwindow's pause by hand: from here on it is not paused by us.
        case .drift where auditOutcome == .released: return .released
        default: return nil
        }
    }
}
