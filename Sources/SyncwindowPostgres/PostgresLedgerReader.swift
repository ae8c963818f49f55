import Foundation
import Logging
import PostgresNIO
import SyncwindowAudit

/// `AuditLedgerReading` over one connection inside `PostgresAuditStore.read`'s snapshot
/// transaction: the SQL of SQLite's `AuditReader`. Its methods are synchronous (the
/// protocol is, for SQLite's sake), so each waits for its query; `read` runs them on a
/// thread of their own, never on a cooperative one.
struct PostgresLedgerReader: AuditLedgerReading {
    let connection: PostgresConnection
    let logger: Logger

    func unsettledIntents(pair: String) throws -> [AuditEvent] {
        try pairTrail(pair: pair, latest: []).unsettledIntents
    }

    func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) throws -> AuditEvent? {
        let question = LatestEventQuestion(kinds: kinds, side: side, window: window, outcomes: outcomes)
        return try wait { [connection, logger] in
            try await connection.pairTrail(pair: pair, latest: [question], intentsAndEdges: false, logger: logger)
        }.latest[0]
    }

    /// One statement for all of it (see `PostgresPairTrail`).
    func pairTrail(pair: String, latest questions: [LatestEventQuestion]) throws -> PairTrailAnswers {
        try wait { [connection, logger] in
            try await connection.pairTrail(pair: pair, latest: questions, logger: logger)
        }
    }

    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) throws -> Bool {
        try wait { [connection, logger] in
            try await connection.hasEvent(pair: pair, window: window, kind: kind, detail: detail, logger: logger)
        }
    }

    func openWindowEdges(pair: String) throws -> [AuditEvent] {
        try pairTrail(pair: pair, latest: []).openWindowEdges
    }

    func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) throws -> AuditEvent? {
        let limit = AuditTimestamp.string(instant)
        return try wait { [connection, logger] in
            try await connection.query(
                """
                SELECT \(unescaped: PostgresRows.columns) FROM event
                WHERE pair IS NULL AND kind = \(kind.rawValue) AND at <= \(limit) ORDER BY at DESC, id DESC LIMIT 1
                """, logger: logger
            ).collect().first.map { try PostgresRows.raw($0).event }
        }
    }

    func newestUnpaired(kind: AuditKind, host: String?) throws -> AuditEvent? {
        try wait { [connection, logger] in
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

    func pairNames() throws -> [String] {
        // A loose index scan (one index probe per pair, not a scan of every event), then
        // sorted by UTF-8 bytes as SQLite's BINARY collation sorts.
        try wait { [connection, logger] in
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

    /// Waits on this (non-cooperative) thread for an async query.
    /// Why the semaphore stays: it bridges the synchronous `AuditLedgerReading` to postgres-nio, only
    /// ever on the dedicated thread `PostgresAuditStore.read` starts, never on a cooperative one; it
    /// goes with the async store seam (issue 18, item 1).
    private func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            box.result = await Result { try await body() }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// Hands a result from the query's task to the waiting thread; the semaphore orders the accesses.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
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
