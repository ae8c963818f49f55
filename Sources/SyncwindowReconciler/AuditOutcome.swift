import GeminiDBAPI
import SyncwindowAudit

/// What became of a call, a job or syncwindow's pause, on outcome, job and drift events. Stored in the
/// trail's `outcome` column as these words (hashed with the event): never rename one.
public enum AuditOutcome: String, Sendable, CaseIterable {
    /// The API answered 202 with a job id.
    case accepted
    /// A later pass found, from live status, that an unanswered call took effect.
    case landed
    /// A later pass found, from live status, that an unanswered call did not take effect.
    case notApplied = "not_applied"
    /// The API refused the call (a 4xx other than auth), or it failed after retries.
    case error
    /// Job ended in failure: the instance went back to where it was.
    case jobFailed = "failed"
    case jobCompleted = "completed"
    /// On a drift event: syncwindow's pause was undone by someone else; it lets go of the pair.
    case released
}

extension NewAuditEvent {
    /// The event's outcome as a call, job or drift outcome; nil for other kinds' words (an
    /// override's state) and for an event with none.
    public var auditOutcome: AuditOutcome? {
        switch kind {
        case .overrideSet, .overrideCleared, .overrideExpired: nil
        default: outcome.flatMap(AuditOutcome.init(rawValue:))
        }
    }

    /// The state an override event holds the pair in (its `outcome` column); nil on other kinds.
    public var overrideState: SyncState? {
        switch kind {
        case .overrideSet, .overrideCleared, .overrideExpired: outcome.flatMap(SyncState.init(rawValue:))
        default: nil
        }
    }
}

extension LatestEventQuestion {
    /// The newest event of `kinds` (on `side`, in `window`) whose outcome is one of `outcomes`.
    public init(kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [AuditOutcome]) {
        self.init(kinds: kinds, side: side, window: window, outcomes: outcomes.map(\.rawValue))
    }
}
