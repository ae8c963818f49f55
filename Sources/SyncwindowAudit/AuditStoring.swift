import SyncwindowLocks

/// The audit trail as the reconciler and the CLI use it, whatever holds it: `AuditStore`
/// (SQLite), `InMemoryAuditStore` (tests), and later a PostgreSQL store. Nothing here names
/// a database library: a driver maps its own errors (busy, unreadable) to `AuditStoreError`.
///
/// Every driver keeps the same contract: appends are atomic and linear (ids 1, 2, 3, … with
/// the hash chain of `AuditChain` over `AuditRow.hashedColumns`), reads see whole appends
/// only, and events come back oldest (lowest id) first.
public protocol AuditStoring: Sendable {
    /// Where the trail lives, for messages: a file path, or a description of the store.
    var location: String { get }

    /// Appends events atomically, in order, extending the hash chain; all share one `recordedAt`.
    /// With a `fence`, a driver whose leases can be lost (PostgreSQL) appends nothing and throws
    /// `AuditStoreError.fenced` unless the fence is still its pair's current lease, checked in
    /// the append's own transaction. Drivers whose locks cannot be lost ignore it.
    @discardableResult
    func append(_ events: [NewAuditEvent], fence: LeaseFence?) async throws -> [AuditEvent]

    /// Events matching `query`, oldest first.
    func events(_ query: AuditQuery) async throws -> [AuditEvent]

    /// What a pass reads of one pair before it acts (see `AuditLedgerReading.pairTrail`), on
    /// one consistent snapshot. Defaulted to `read`; a networked store answers in one round trip.
    func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers

    /// The newest event of `pair` answering `question`. Defaulted to `read`; a networked store
    /// asks it in one statement (a pass asks it before calls, and when recording drift or errors).
    func latest(pair: String, _ question: LatestEventQuestion) async throws -> AuditEvent?

    /// Whether an event of `kind` already records this window occurrence for `pair` (so
    /// "window opened" is written once per occurrence, however many passes see it). Defaulted
    /// to `read`; a networked store asks it in one statement (every pair asks at a window's open).
    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool

    /// Runs several pair-level reads on one consistent snapshot of the trail.
    func read<T: Sendable>(_ body: @escaping @Sendable (any AuditLedgerReading) throws -> T) async throws -> T

    /// Replaces the last live status seen for `pair` (a cache for `status`, not a record).
    func recordObservation(pair: String, _ observation: LiveObservation) async throws

    /// The last live status seen for each pair.
    func observations() async throws -> [String: LiveObservation]

    /// Replaces how `pair`'s last pass ended (a cache for `status`, not a record).
    func recordPassOutcome(pair: String, _ outcome: PassOutcome) async throws

    /// How each pair's last pass ended.
    func passOutcomes() async throws -> [String: PassOutcome]

    /// Recomputes the whole chain from the stored rows.
    func verify() async throws -> AuditVerification

    /// Problems with the guarantees around the rows (append-only enforcement, migrations),
    /// one sentence each, empty when intact.
    func schemaProblems() async throws -> [String]
}

extension AuditStoring {
    /// Appends events with no lease to check (pass brackets, and stores without leases).
    @discardableResult
    public func append(_ events: [NewAuditEvent]) async throws -> [AuditEvent] {
        try await append(events, fence: nil)
    }

    /// Appends one event.
    @discardableResult
    public func append(_ event: NewAuditEvent) async throws -> AuditEvent {
        try await append([event])[0]
    }

    /// Every event, oldest first.
    public func events() async throws -> [AuditEvent] {
        try await events(AuditQuery())
    }

    /// Pause/resume intents of `pair` that no outcome settles yet: calls a killed pass may have made.
    public func unsettledIntents(pair: String) async throws -> [AuditEvent] {
        try await read { try $0.unsettledIntents(pair: pair) }
    }

    /// The newest event of `pair` whose kind is one of `kinds` (and, when given, whose side,
    /// window and outcome match).
    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [String]? = nil
    ) async throws -> AuditEvent? {
        try await latest(pair: pair, LatestEventQuestion(kinds: kinds, side: side, window: window, outcomes: outcomes))
    }

    public func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool {
        try await read { try $0.hasEvent(pair: pair, window: window, kind: kind, detail: detail) }
    }
}

extension [NewAuditEvent] {
    /// Every event names the host that wrote it: the store's, unless the caller named one.
    package func stampingHost(_ host: String?) -> [NewAuditEvent] {
        guard let host else { return self }
        return map { event in
            var event = event
            event.host = event.host ?? host
            return event
        }
    }
}
