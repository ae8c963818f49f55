import Foundation
import SyncwindowLocks

/// The audit trail in memory, for tests: the same hash chain (`AuditChain` over
/// `AuditRow.hashedColumns`), the same query semantics and the same `verify` answers as
/// `AuditStore` for the same events and recording times. Rows are kept as their raw column
/// text, as SQLite keeps them, so filters compare what SQL compares and `verify` checks
/// what a tamperer could edit.
public actor InMemoryAuditStore: AuditStoring {
    public nonisolated let location: String
    private let wallClock: @Sendable () -> Date
    private let host: String?
    private var rows: [AuditRawRow] = []
    // Kept as stored text, so values round-trip (to the millisecond) as they do through SQLite.
    private var observationRows: [String: (primary: String?, standby: String?, observedAt: String)] = [:]
    private var passOutcomeRows: [String: (at: String, problem: String?)] = [:]
    /// The lease table whose fences appends must carry (see `InMemoryAuditStore+Fences.swift`).
    let fences: (any LeaseFenceJudging)?

    /// - Parameters:
    ///   - wallClock: the real time, stamped as `recorded_at` beside each event's `at`.
    ///   - fences: the leases' table (`InMemoryLeaseTable`), to refuse stale fences as
    ///     PostgreSQL does; nil: fences are not checked (`InMemoryPairLocks` cannot be lost).
    public init(
        location: String = "in-memory audit trail", wallClock: @escaping @Sendable () -> Date, host: String? = nil,
        fences: (any LeaseFenceJudging)? = nil
    ) {
        self.location = location
        self.wallClock = wallClock
        self.host = host
        self.fences = fences
    }

    @discardableResult
    public func append(_ events: [NewAuditEvent], fence: LeaseFence? = nil) async throws -> [AuditEvent] {
        guard !events.isEmpty else { return [] }
        try refuseStaleFence(fence)
        let recordedAt = wallClock()
        var stored: [AuditEvent] = []
        for event in events.stampingHost(host) {
            let id = (rows.last?.id ?? 0) + 1
            let previousHash = rows.last?.hash ?? AuditChain.genesis
            let row = AuditRow(id: id, recordedAt: recordedAt, event: event)
            let fields = row.hashedFields
            let hash = AuditChain.hash(
                id: id, recordedAt: row.recordedAtText, fields: fields, previousHash: previousHash)
            rows.append(
                AuditRawRow(
                    id: id, recordedAt: row.recordedAtText, fields: fields, previousHash: previousHash, hash: hash))
            stored.append(
                AuditEvent(id: id, recordedAt: recordedAt, event: event, previousHash: previousHash, hash: hash))
        }
        return stored
    }

    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        rows.filter(query.matches).map(\.event)
    }

    /// Hands over a copy of the matching rows as they are now, one event at a time, as a
    /// driver's cursor does (appends made meanwhile are not seen): in-memory tests walk the
    /// same path as production. `body` runs on the caller's task, outside the actor.
    public nonisolated func forEachEvent(_ query: AuditQuery, _ body: (AuditEvent) throws -> Void) async throws {
        for row in await matching(query) { try body(row.event) }
    }

    private func matching(_ query: AuditQuery) -> [AuditRawRow] {
        rows.filter(query.matches)
    }

    /// Runs `body` on the rows as they are now: appends made meanwhile are not seen.
    public func read<T: Sendable>(
        _ body: @escaping @Sendable (any AuditLedgerReading) async throws -> T
    ) async throws -> T {
        try await body(ledger)
    }

    /// A reader over the rows as they are now: each question on a snapshot of its own.
    private var ledger: InMemoryAuditReader { InMemoryAuditReader(rows: rows) }

    public func unsettledIntents(pair: String) async throws -> [AuditEvent] {
        try ledger.unsettledIntents(pair: pair)
    }

    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) async throws -> AuditEvent? {
        try await ledger.latest(pair: pair, kinds: kinds, side: side, window: window, outcomes: outcomes)
    }

    public func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool {
        try ledger.hasEvent(pair: pair, window: window, kind: kind, detail: detail)
    }

    public func openWindowEdges(pair: String) async throws -> [AuditEvent] {
        try ledger.openWindowEdges(pair: pair)
    }

    public func pairNames() async throws -> [String] {
        try ledger.pairNames()
    }

    public func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) async throws -> AuditEvent? {
        try ledger.latestUnpaired(kind: kind, atOrBefore: instant)
    }

    public func newestUnpaired(kind: AuditKind, host: String?) async throws -> AuditEvent? {
        try ledger.newestUnpaired(kind: kind, host: host)
    }

    public func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers {
        try ledger.pairTrail(pair: pair, latest: questions)
    }

    public func recordObservation(pair: String, _ observation: LiveObservation) async throws {
        observationRows[pair] = (
            observation.primary, observation.standby, AuditTimestamp.string(observation.observedAt)
        )
    }

    public func observations() async throws -> [String: LiveObservation] {
        observationRows.mapValues {
            LiveObservation(
                primary: $0.primary, standby: $0.standby, observedAt: AuditTimestamp.dateOrEpoch($0.observedAt))
        }
    }

    public func recordPassOutcome(pair: String, _ outcome: PassOutcome) async throws {
        passOutcomeRows[pair] = (AuditTimestamp.string(outcome.at), outcome.problem)
    }

    public func passOutcomes() async throws -> [String: PassOutcome] {
        passOutcomeRows.mapValues { PassOutcome(at: AuditTimestamp.dateOrEpoch($0.at), problem: $0.problem) }
    }

    public func verify() async throws -> AuditVerification {
        var verifier = AuditChain.Verifier()
        for row in rows {
            if let broken = verifier.check(row) { return broken }
        }
        return verifier.result
    }

    /// Nothing outside the rows can be lost here: there are no triggers or migrations.
    public func schemaProblems() async throws -> [String] { [] }

    /// For tests: edits, removes or reorders stored rows behind the chain's back, as an
    /// attacker with `sqlite3` could on the file.
    func tamper(_ edit: @Sendable (inout [AuditRawRow]) -> Void) {
        edit(&rows)
    }
}

extension AuditTimestamp {
    /// A stored timestamp, or the epoch for one that does not parse (as SQLite rows decode).
    package static func dateOrEpoch(_ text: String) -> Date {
        date(text) ?? Date(timeIntervalSince1970: 0)
    }
}
