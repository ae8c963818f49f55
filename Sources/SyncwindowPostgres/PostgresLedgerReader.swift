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
        try events(
            """
            SELECT \(unescaped: PostgresRows.columns) FROM event AS intent
            WHERE intent.pair = \(pair) AND intent.kind IN ('pause_intent', 'resume_intent')
              AND NOT EXISTS (SELECT 1 FROM event AS outcome WHERE outcome.intent_id = intent.id)
            ORDER BY intent.id
            """)
    }

    func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) throws -> AuditEvent? {
        var sql = "SELECT \(PostgresRows.columns) FROM event WHERE pair = $1 AND kind = ANY($2)"
        var bindings = PostgresBindings()
        bindings.append(pair)
        bindings.append(kinds.map(\.rawValue))
        if let side {
            bindings.append(side.rawValue)
            sql += " AND side = $\(bindings.count)"
        }
        if let window {
            bindings.append(window)
            sql += " AND \"window\" = $\(bindings.count)"
        }
        if let outcomes {
            bindings.append(outcomes)
            sql += " AND outcome = ANY($\(bindings.count))"
        }
        return try events(PostgresQuery(unsafeSQL: sql + " ORDER BY id DESC LIMIT 1", binds: bindings)).first
    }

    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) throws -> Bool {
        try wait { [connection, logger] in
            try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM event WHERE pair = \(pair) AND "window" = \(window)
                               AND kind = \(kind.rawValue) AND detail = \(detail))
                """, logger: logger
            ).collect().first.map { try $0.decode(Bool.self) } ?? false
        }
    }

    func openWindowEdges(pair: String) throws -> [AuditEvent] {
        let recent = try events(
            """
            SELECT \(unescaped: PostgresRows.columns) FROM event
            WHERE pair = \(pair) AND kind IN ('window_opened', 'window_closed')
            ORDER BY id DESC LIMIT \(AuditWindowEdges.recentLimit)
            """)
        return AuditWindowEdges.open(newestFirst: recent)
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

    private func events(_ query: PostgresQuery) throws -> [AuditEvent] {
        try wait { [connection, logger] in
            var events: [AuditEvent] = []
            for try await row in try await connection.query(query, logger: logger) {
                events.append(try PostgresRows.raw(row).event)
            }
            return events
        }
    }

    /// Waits on this (non-cooperative) thread for an async query.
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
