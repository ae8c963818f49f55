import Foundation

/// The pair-level questions a pass and `status` ask of the trail, answered inside one
/// consistent snapshot (see `AuditStoring.read`). Each driver has its own reader: SQLite's
/// `AuditReader` runs SQL in a read transaction; `InMemoryAuditStore`'s scans a copy of its rows.
public protocol AuditLedgerReading {
    /// Pause/resume intents of `pair` that no outcome settles yet: calls a killed pass may have made.
    func unsettledIntents(pair: String) throws -> [AuditEvent]

    /// The newest event of `pair` whose kind is one of `kinds` (and, when given, whose side,
    /// window and outcome match). Callers usually go through the defaulted overload below.
    func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) throws -> AuditEvent?

    /// Whether an event of `kind` already records this window occurrence for `pair`.
    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) throws -> Bool

    /// `window_opened` events of `pair` that no later `window_closed` of the same window
    /// follows, among the pair's recent edges, oldest first.
    func openWindowEdges(pair: String) throws -> [AuditEvent]

    /// Every (non-empty) pair name the trail mentions, sorted by its UTF-8 bytes.
    func pairNames() throws -> [String]

    /// The event of `kind` naming no pair (a `configuration`) with the latest `at` not after
    /// `instant` (the highest id among equals). Found from the `(pair, kind, id)` index: such
    /// events are few (one per change of configuration), whatever the trail's length.
    func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) throws -> AuditEvent?

    /// The newest (highest id) event of `kind` naming no pair, recorded by `host` when given:
    /// who put the configuration in effect into effect, and what this host last put into
    /// effect. Walks the same `(pair, kind, id)` index from the newest row.
    func newestUnpaired(kind: AuditKind, host: String?) throws -> AuditEvent?

    /// The `latest` answers to `questions`, the unsettled intents and the open window edges
    /// of `pair`: what a pass reads before it acts. Defaulted to one question at a time.
    func pairTrail(pair: String, latest questions: [LatestEventQuestion]) throws -> PairTrailAnswers
}

extension AuditLedgerReading {
    /// `latest` with the optional filters defaulted to "any".
    ///
    /// Same signature as the requirement on purpose: callers may leave filters out, and
    /// every conformer implements the requirement, so this only forwards (never recurses).
    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [String]? = nil
    ) throws -> AuditEvent? {
        try latest(pair: pair, kinds: kinds, side: side, window: window, outcomes: outcomes)
    }
}

extension AuditReader: AuditLedgerReading {}
