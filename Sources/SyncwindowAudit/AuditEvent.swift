import Foundation

/// What an audit event records. Raw values are stored in the database and shown to
/// auditors, so they never change once shipped.
public enum AuditKind: String, Sendable, Codable, CaseIterable {
    /// A reconcile pass began; `detail` holds the configuration hash it ran with.
    case passStarted = "pass_started"
    case passFinished = "pass_finished"
    case windowOpened = "window_opened"
    case windowClosed = "window_closed"
    /// A window would have paused the pair but did not (cutoff, exception date, disabled, out of its active range).
    case skipped
    /// Recorded BEFORE a POST is sent, so a crash can never leave an unrecorded call.
    case pauseIntent = "pause_intent"
    case resumeIntent = "resume_intent"
    /// Recorded after the POST answered (or was settled by a later pass); `intent_id` links the intent.
    case pauseOutcome = "pause_outcome"
    case resumeOutcome = "resume_outcome"
    case jobCompleted = "job_completed"
    case jobFailed = "job_failed"
    /// A pair found in a state syncwindow did not put it in (paused by someone else).
    case drift
    case overrideSet = "override_set"
    case overrideCleared = "override_cleared"
    case overrideExpired = "override_expired"
    /// The instances a pair names (`detail`: `primary REGION/PROJECT/ID, standby …`), recorded
    /// before the first call on them and again when they change: the trail alone can then
    /// hand back a pause of a pair that has since left the config.
    case pairInstances = "pair_instances"
    /// The configuration a pass ran with, recorded right after its `pass_started` whenever it
    /// differs from the one last recorded (`detail`: a canonical JSON snapshot of the pairs and
    /// windows, with the config's SHA-256), so `report` can judge each instant against the plan
    /// in force then — and the snapshot is in the hash chain like any record.
    case configuration
    /// `audit migrate` copied the trail to another store (`detail`: where, e.g.
    /// `postgresql://syncwindow@db:5432/syncwindow`, never a password). The last event a SQLite
    /// trail can hold: passes on it refuse from then on (`AuditStoreError.moved`), and the copy
    /// carries it as its own, so the chain runs on there unbroken.
    case trailMoved = "trail_moved"
    /// `--dry-run`: what a pass would have done.
    case dryRun = "dry_run"
    case error
}

/// Which instance of a pair an event concerns.
public enum PairSide: String, Sendable, Codable, CaseIterable {
    case primary, standby
}

/// An event about to be appended. The store assigns id, chain hashes and the recording time.
public struct NewAuditEvent: Sendable, Equatable {
    public var at: Date
    public var passID: String?
    public var pair: String?
    public var side: PairSide?
    public var window: String?
    public var kind: AuditKind
    public var outcome: String?
    public var jobID: String?
    public var actor: String
    public var reason: String?
    public var detail: String?
    /// For overrides: when the hold ends.
    public var until: Date?
    /// For outcomes: the id of the intent they settle.
    public var intentID: Int64?
    /// The host that wrote the event (`--host-id`, `SYNCWINDOW_HOST_ID` or the hostname).
    /// Nil only in rows written before hosts were recorded.
    public var host: String?

    public init(
        at: Date, passID: String? = nil, pair: String? = nil, side: PairSide? = nil, window: String? = nil,
        kind: AuditKind, outcome: String? = nil, jobID: String? = nil, actor: String, reason: String? = nil,
        detail: String? = nil, until: Date? = nil, intentID: Int64? = nil, host: String? = nil
    ) {
        self.at = at
        self.passID = passID
        self.pair = pair
        self.side = side
        self.window = window
        self.kind = kind
        self.outcome = outcome
        self.jobID = jobID
        self.actor = actor
        self.reason = reason
        self.detail = detail
        self.until = until
        self.intentID = intentID
        self.host = host
    }
}

/// An event as stored: append-only and chained by hash.
public struct AuditEvent: Sendable, Equatable {
    public var id: Int64
    public var recordedAt: Date
    public var event: NewAuditEvent
    public var previousHash: String
    public var hash: String

    public init(id: Int64, recordedAt: Date, event: NewAuditEvent, previousHash: String, hash: String) {
        self.id = id
        self.recordedAt = recordedAt
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }
}
