/// One of `latest`'s questions, as a value: the newest event of a pair whose kind is one of
/// `kinds` (and, when given, whose side, window and outcome match). Several of them are
/// answered together by ``AuditLedgerReading/pairTrail(pair:latest:)``.
public struct LatestEventQuestion: Sendable, Hashable {
    public var kinds: [AuditKind]
    public var side: PairSide?
    public var window: String?
    public var outcomes: [String]?

    public init(kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [String]? = nil) {
        self.kinds = kinds
        self.side = side
        self.window = window
        self.outcomes = outcomes
    }
}

/// Everything a pass (or `status`) asks of one pair's trail before it acts.
public struct PairTrailAnswers: Sendable {
    /// One answer per question, in the order asked.
    public var latest: [AuditEvent?]
    public var unsettledIntents: [AuditEvent]
    public var openWindowEdges: [AuditEvent]

    public init(latest: [AuditEvent?], unsettledIntents: [AuditEvent], openWindowEdges: [AuditEvent]) {
        self.latest = latest
        self.unsettledIntents = unsettledIntents
        self.openWindowEdges = openWindowEdges
    }
}

/// Which pause/resume intents are still unsettled, for every driver.
///
/// An intent is written before its call, and its outcome right after the call answers (in
/// the same append as the next call's intent); a pass that finds unsettled intents settles
/// every one of them, oldest first, before it writes a new intent — all under the pair's
/// lock or lease. So a pair's unsettled intents always come after its newest settled one,
/// and a driver need only look there: one index probe back to the newest settled intent,
/// instead of a probe per intent the pair ever had (four a night, so a year's history would
/// slow every pass).
package enum UnsettledIntents {
    package static let kinds: [AuditKind] = [.pauseIntent, .resumeIntent]
}
