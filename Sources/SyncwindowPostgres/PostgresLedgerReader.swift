import Foundation
import Logging
import PostgresNIO
import SyncwindowAudit

/// `AuditLedgerReading` in PostgreSQL: the SQL of SQLite's `AuditReader`, each question one
/// statement. On the pool (`PostgresAuditStore`'s own answers) a statement is its own snapshot,
/// within the operation deadline; on one connection inside `PostgresAuditStore.read`'s
/// REPEATABLE READ transaction, several questions share its snapshot.
struct PostgresLedgerReader: AuditLedgerReading {
    /// Where the statements run.
    enum Source: Sendable {
        /// A pooled connection per question, within `store.postgres.timeout`.
        case pool(PostgresBackend)
        /// The connection of a transaction the caller holds (and whose deadline covers it).
        case connection(PostgresConnection)
    }

    let source: Source
    let logger: Logger

    private func asking<T: Sendable>(
        _ question: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        switch source {
        case .pool(let backend): return try await backend.withConnection { try await question($0, logger) }
        case .connection(let connection): return try await question(connection, logger)
        }
    }

    func unsettledIntents(pair: String) async throws -> [AuditEvent] {
        try await pairTrail(pair: pair, latest: []).unsettledIntents
    }

    func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) async throws -> AuditEvent? {
        let question = LatestEventQuestion(kinds: kinds, side: side, window: window, outcomes: outcomes)
        return try await asking { connection, logger in
            try await connection.pairTrail(pair: pair, latest: [question], intentsAndEdges: false, logger: logger)
        }.latest[0]
    }

    /// One statement for all of it (see `PostgresPairTrail`).
    func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers {
        try await asking { connection, logger in
            try await connection.pairTrail(pair: pair, latest: questions, logger: logger)
        }
    }

    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool {
        try await asking { connection, logger in
            try await connection.hasEvent(pair: pair, window: window, kind: kind, detail: detail, logger: logger)
        }
    }

    func openWindowEdges(pair: String) async throws -> [AuditEvent] {
        try await pairTrail(pair: pair, latest: []).openWindowEdges
    }

    func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) async throws -> AuditEvent? {
        let limit = AuditTimestamp.string(instant)
        return try await asking { connection, logger in
            try await connection.query(
                """
                SELECT \(unescaped: PostgresRows.columns) FROM event
                WHERE pair IS NULL AND kind = \(kind.rawValue) AND at <= \(limit) ORDER BY at DESC, id DESC LIMIT 1
                """, logger: logger
            ).collect().first.map { try PostgresRows.raw($0).event }
        }
    }

    func newestUnpaired(kind: AuditKind, host: String?) async throws -> AuditEvent? {
        try await asking { connection, logger in
            let query: PostgresQuery =
                if let host {
                    """
                    SELECT \(unescaped: PostgresRows.columns) FROM event
                    WHERE pair IS NULL AND kind = \(kind.rawValue) AND host = \(host) ORDER BY id DESC LIMIT 1
                    """
                } else {
                    """
                    SELECT \(unescaped: PostgresRows.columns) FROM event
                    WHERE pair IS NULL AND kind = \(kind.rawValue) ORDER BY id DESC LIMIT 1
                    """
                }
            return try await connection.query(query, logger: logger).collect().first.map {
                try PostgresRows.raw($0).event
            }
        }
    }

    func pairNames() async throws -> [String] {
        // A loose index scan (one index probe per pair, not a scan of every event), then
        // sorted by UTF-8 bytes as SQLite's BINARY collation sorts.
        try await asking { connection, logger in
            var names: [String] = []
            for try await name in try await connection.query(
                """
                WITH RECURSIVE names AS (
                    (SELECT pair FROM event WHERE pair > '' ORDER BY pair LIMIT 1)
                    UNION ALL
                    SELECT (SELECT pair FROM event WHERE pair > names.pair ORDER BY pair LIMIT 1)
                    FROM names WHERE names.pair IS NOT NULL
                )
                SELECT pair FROM names WHERE pair IS NOT NULL
                """, logger: logger
            ).decode(String.self) {
                names.append(name)
            }
            return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }
}

extension PostgresConnection {
    /// `hasEvent`'s question: one probe of `event_occurrences`.
    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String, logger: Logger) async throws -> Bool {
        try await query(
            """
            SELECT EXISTS (SELECT 1 FROM event WHERE pair = \(pair) AND "window" = \(window)
                           AND kind = \(kind.rawValue) AND detail = \(detail))
            """, logger: logger
        ).collect().first.map { try $0.decode(Bool.self) } ?? false
    }
}
