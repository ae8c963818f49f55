import Foundation
import GRDB
import GRDBSQLite

extension AuditStore {
    /// Walks a cursor inside one read transaction (a snapshot: appends made meanwhile are not seen), decoding
    /// each row with the query's column layout worked out once. GRDB's synchronous read, on purpose: `body` is
    /// the caller's, not escaping and not `Sendable`, and runs between two steps of the cursor; the read waits on
    /// GRDB's own queue for a connection (`busyTimeout` at most), as every SQLite read of this store does.
    public func forEachEvent(_ query: AuditQuery, _ body: (AuditEvent) throws -> Void) async throws {
        let (sql, arguments) = query.sql()
        try Self.mappingErrors(path: path, timeout: busyTimeout) {
            // The synchronous read: `body` is the caller's, not escaping, and runs between two steps.
            try database.read { db in
                let statement = try db.makeStatement(sql: sql)
                let columns = AuditRow.Columns(statement.columnNames)
                let cursor = try Row.fetchCursor(statement, arguments: arguments)
                let sqlite = statement.sqliteStatement
                while let row = try cursor.next() {
                    try body(columns.event(sqlite, row))
                }
            }
        }
    }
}

extension AuditRow.Columns {
    /// The event in the statement's current row, as `event(_:)` reads it, with text and integer columns read
    /// straight from SQLite: GRDB's generic decoding of each value costs a metadata lookup, a million times over
    /// for a year's trail. A value of another storage class goes through `row` as before.
    func event(_ statement: SQLiteStatement, _ row: Row) -> AuditEvent {
        func text(_ index: Int?) -> String? {
            guard let index else { return nil }
            switch sqlite3_column_type(statement, Int32(index)) {
            case SQLITE_NULL: return nil
            case SQLITE_TEXT:
                // As GRDB reads text: up to the first NUL.
                return sqlite3_column_text(statement, Int32(index)).map { String(cString: $0) }
            default: return row[index] as String?
            }
        }
        func integer(_ index: Int?) -> Int64? {
            guard let index else { return nil }
            switch sqlite3_column_type(statement, Int32(index)) {
            case SQLITE_NULL: return nil
            case SQLITE_INTEGER: return sqlite3_column_int64(statement, Int32(index))
            default: return row[index] as Int64?
            }
        }
        let event = NewAuditEvent(
            at: text(at).flatMap(AuditTimestamp.date) ?? Date(timeIntervalSince1970: 0), passID: text(passID),
            pair: text(pair), side: text(side).flatMap(PairSide.init(rawValue:)), window: text(window),
            kind: AuditKind(rawValue: text(kind) ?? "") ?? .error, outcome: text(outcome), jobID: text(jobID),
            actor: text(actor) ?? "", reason: text(reason), detail: text(detail),
            until: text(until).flatMap(AuditTimestamp.date), intentID: integer(intentID), host: text(host))
        return AuditEvent(
            id: integer(id) ?? 0,
            recordedAt: text(recordedAt).flatMap(AuditTimestamp.date) ?? Date(timeIntervalSince1970: 0),
            event: event, previousHash: text(previousHash) ?? "", hash: text(hash) ?? "")
    }
}
