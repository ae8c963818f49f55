import Foundation
import GRDB

/// `AuditLedgerReading` for the SQLite trail: each question is `AuditReader`'s SQL, run in one
/// read of `database` — the store's own pool or queue (a question on a snapshot of its own), or a
/// `DatabaseSnapshot` that `AuditStore.read` holds open for several. GRDB runs the read on its own
/// queue; the caller's task waits for it without blocking a thread.
struct SQLiteLedgerReader: AuditLedgerReading {
    let store: AuditStore
    let database: any DatabaseReader

    private func asking<T: Sendable>(_ question: @escaping @Sendable (AuditReader) throws -> T) async throws -> T {
        try await store.mappingErrors { try await database.read { db in try question(AuditReader(db: db)) } }
    }

    func unsettledIntents(pair: String) async throws -> [AuditEvent] {
        try await asking { try $0.unsettledIntents(pair: pair) }
    }

    func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) async throws -> AuditEvent? {
        try await asking { try $0.latest(pair: pair, kinds: kinds, side: side, window: window, outcomes: outcomes) }
    }

    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool {
        try await asking { try $0.hasEvent(pair: pair, window: window, kind: kind, detail: detail) }
    }

    func openWindowEdges(pair: String) async throws -> [AuditEvent] {
        try await asking { try $0.openWindowEdges(pair: pair) }
    }

    func pairNames() async throws -> [String] {
        try await asking { try $0.pairNames() }
    }

    func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) async throws -> AuditEvent? {
        try await asking { try $0.latestUnpaired(kind: kind, atOrBefore: instant) }
    }

    func newestUnpaired(kind: AuditKind, host: String?) async throws -> AuditEvent? {
        try await asking { try $0.newestUnpaired(kind: kind, host: host) }
    }

    /// Every question in one read transaction, one index probe each.
    func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers {
        try await asking { reader in
            try PairTrailAnswers.oneByOne(
                questions,
                latest: {
                    try reader.latest(
                        pair: pair, kinds: $0.kinds, side: $0.side, window: $0.window,
                        outcomes: $0.outcomes)
                },
                unsettledIntents: { try reader.unsettledIntents(pair: pair) },
                openWindowEdges: { try reader.openWindowEdges(pair: pair) })
        }
    }
}

extension AuditStore {
    /// Each question in a read transaction of its own (see `SQLiteLedgerReader`).
    private var ledger: SQLiteLedgerReader { SQLiteLedgerReader(store: self, database: database) }

    public func unsettledIntents(pair: String) async throws -> [AuditEvent] {
        try await ledger.unsettledIntents(pair: pair)
    }

    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) async throws -> AuditEvent? {
        try await ledger.latest(pair: pair, kinds: kinds, side: side, window: window, outcomes: outcomes)
    }

    public func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool {
        try await ledger.hasEvent(pair: pair, window: window, kind: kind, detail: detail)
    }

    public func openWindowEdges(pair: String) async throws -> [AuditEvent] {
        try await ledger.openWindowEdges(pair: pair)
    }

    public func pairNames() async throws -> [String] {
        try await ledger.pairNames()
    }

    public func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) async throws -> AuditEvent? {
        try await ledger.latestUnpaired(kind: kind, atOrBefore: instant)
    }

    public func newestUnpaired(kind: AuditKind, host: String?) async throws -> AuditEvent? {
        try await ledger.newestUnpaired(kind: kind, host: host)
    }

    public func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers {
        try await ledger.pairTrail(pair: pair, latest: questions)
    }
}
