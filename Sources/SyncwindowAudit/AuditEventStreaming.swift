import GRDB

/// A driver that hands events over one at a time as it reads them, so that exporting a year's trail (a million
/// events) holds one event in memory, not all of them. `audit --format csv|json` streams through it where the
/// driver offers it and loads the events otherwise.
public protocol AuditEventStreaming: Sendable {
    /// Calls `body` with each event matching `query`, oldest first, from one consistent read.
    func forEachEvent(_ query: AuditQuery, _ body: (AuditEvent) throws -> Void) async throws
}

extension AuditStore: AuditEventStreaming {
    /// Walks a cursor inside one read transaction (a snapshot: appends made meanwhile are not seen), decoding
    /// each row with the query's column layout worked out once.
    public func forEachEvent(_ query: AuditQuery, _ body: (AuditEvent) throws -> Void) async throws {
        let (sql, arguments) = query.sql()
        try Self.mappingBusy(path: path, timeout: busyTimeout) {
            // The synchronous read: `body` is the caller's, not escaping, and runs between two steps.
            try database.read { db in
                let statement = try db.makeStatement(sql: sql)
                let columns = AuditRow.Columns(statement.columnNames)
                let cursor = try Row.fetchCursor(statement, arguments: arguments)
                while let row = try cursor.next() {
                    try body(columns.event(row))
                }
            }
        }
    }
}
