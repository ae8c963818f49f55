import SyncwindowLocks

/// The audit trail as the reconciler and the CLI use it, whatever holds it: `AuditStore`
/// (SQLite), `PostgresAuditStore` and `InMemoryAuditStore` (tests). Nothing here names a
/// database library: a driver maps its own errors (busy, unreadable) to `AuditStoreError`.
///
/// Every driver keeps the same contract: appends are atomic and linear (ids 1, 2, 3, … with
/// the hash chain of `AuditChain` over `AuditRow.hashedColumns`), reads see whole appends
/// only, and events come back oldest (lowest id) first. The store answers the pair-level
/// questions of `AuditLedgerReading` itself, each on a snapshot of its own (one statement,
/// one read transaction); `read` asks several on one snapshot. Every requirement is one
/// every driver honours: how a driver makes a question fast stays inside the driver.
public protocol AuditStoring: AuditLedgerReading {
    /// Where the trail lives, for messages: a file path, or a description of the store.
    var location: String { get }

    /// Appends events atomically, in order, extending the hash chain; all share one `recordedAt`.
    /// With a `fence`, a driver whose leases can be lost (PostgreSQL) appends nothing and throws
    /// `AuditStoreError.fenced` unless the fence is still its pair's current lease, checked in
    /// the append's own transaction. Drivers whose locks cannot be lost ignore it.
    @discardableResult
    func append(_ events: [NewAuditEvent], fence: LeaseFence?) async throws -> [AuditEvent]

    /// Events matching `query`, oldest first, all in memory: for a pass's few reads of a pair,
    /// within the driver's operation deadline (PostgreSQL's `store.postgres.timeout`).
    func events(_ query: AuditQuery) async throws -> [AuditEvent]

    /// Calls `body` with each event matching `query`, oldest first, from one consistent read,
    /// as the driver reads them: exporting a year's trail (a million events) holds one event
    /// in memory, not all of them. An error `body` throws ends the walk and comes back as it
    /// is. Not raced against an operation deadline: a year's export outlasts any.
    func forEachEvent(_ query: AuditQuery, _ body: (AuditEvent) throws -> Void) async throws

    /// Runs several pair-level reads on one consistent snapshot of the trail.
    func read<T: Sendable>(_ body: @escaping @Sendable (any AuditLedgerReading) async throws -> T) async throws -> T

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
