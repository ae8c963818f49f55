import Foundation

/// The pair-level questions a pass and `status` ask of the trail. Every store answers them
/// itself (`AuditStoring` refines this protocol), each question on a snapshot of its own;
/// `AuditStoring.read` hands out a reader that answers several on one consistent snapshot.
/// A driver answers each question its own fastest way (SQLite: an index probe in a read
/// transaction; PostgreSQL: one prepared statement; memory: a scan of a copy of the rows).
public protocol AuditLedgerReading: Sendable {
    /// Pause/resume intents of `pair` that no outcome settles yet: calls a killed pass may have made.
    func unsettledIntents(pair: String) async throws -> [AuditEvent]

    /// The newest event of `pair` whose kind is one of `kinds` (and, when given, whose side,
    /// window and outcome match). Callers usually go through the defaulted overload below.
    func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) async throws -> AuditEvent?

    /// Whether an event of `kind` already records this window occurrence for `pair` (so
    /// "window opened" is written once per occurrence, however many passes see it).
    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool

    /// `window_opened` events of `pair` that no later `window_closed` of the same window
    /// follows, among the pair's recent edges, oldest first.
    func openWindowEdges(pair: String) async throws -> [AuditEvent]

    /// Every (non-empty) pair name the trail mentions, sorted by its UTF-8 bytes.
    func pairNames() async throws -> [String]

    /// The event of `kind` naming no pair (a `configuration`) with the latest `at` not after
    /// `instant` (the highest id among equals). Found from the `(pair, kind, id)` index: such
    /// events are few (one per change of configuration), whatever the trail's length.
    func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) async throws -> AuditEvent?

    /// The newest (highest id) event of `kind` naming no pair, recorded by `host` when given:
    /// who put the configuration in effect into effect, and what this host last put into
    /// effect. Walks the same `(pair, kind, id)` index from the newest row.
    func newestUnpaired(kind: AuditKind, host: String?) async throws -> AuditEvent?

    /// The `latest` answers to `questions`, the unsettled intents and the open window edges
    /// of `pair`, on one snapshot: what a pass reads before it acts. SQLite and memory ask
    /// the questions one at a time (an index probe each, no round trip); PostgreSQL in one
    /// statement.
    func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers
}

extension AuditLedgerReading {
    /// `latest` with the optional filters defaulted to "any".
    ///
    /// Same signature as the requirement on purpose: callers may leave filters out, and
    /// every conformer implements the requirement, so this only forwards (never recurses).
    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [String]? = nil
    ) async throws -> AuditEvent? {
        try await latest(pair: pair, kinds: kinds, side: side, window: window, outcomes: outcomes)
    }

    /// `latest` for a question held as a value.
    public func latest(pair: String, _ question: LatestEventQuestion) async throws -> AuditEvent? {
        try await latest(
            pair: pair, kinds: question.kinds, side: question.side, window: question.window,
            outcomes: question.outcomes)
    }

    /// `pairTrail` asked one question at a time through this reader: what the tests hold
    /// every driver's `pairTrail` to.
    public func pairTrailOneByOne(
        pair: String, latest questions: [LatestEventQuestion]
    ) async throws -> PairTrailAnswers {
        var latest: [AuditEvent?] = []
        for question in questions { latest.append(try await self.latest(pair: pair, question)) }
        return PairTrailAnswers(
            latest: latest, unsettledIntents: try await unsettledIntents(pair: pair),
            openWindowEdges: try await openWindowEdges(pair: pair))
    }
}

extension PairTrailAnswers {
    /// The questions one at a time, for a driver whose reads are synchronous inside its own
    /// snapshot (SQLite's `AuditReader`, the in-memory reader): an index probe or a scan each.
    static func oneByOne(
        _ questions: [LatestEventQuestion], latest: (LatestEventQuestion) throws -> AuditEvent?,
        unsettledIntents: () throws -> [AuditEvent], openWindowEdges: () throws -> [AuditEvent]
    ) throws -> PairTrailAnswers {
        PairTrailAnswers(
            latest: try questions.map(latest), unsettledIntents: try unsettledIntents(),
            openWindowEdges: try openWindowEdges())
    }
}
