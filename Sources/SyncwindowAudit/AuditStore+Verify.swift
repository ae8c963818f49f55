import GRDB
import GRDBSQLite

extension AuditStore {
    /// Recomputes the whole chain from the raw rows (not through `AuditEvent`, so that a
    /// value the decoder would normalise still counts as tampering).
    public func verify() async throws -> AuditVerification {
        try await mappingErrors { try await database.read(Self.verifyChain) }
    }

    /// Streams the rows through `AuditChain.Verifier` reading column bytes straight from SQLite (``ColumnBytes``):
    /// no `String`, dictionary or `Row` per value, so a year's trail (a million rows) verifies in about a microsecond a row.
    /// Columns are found by name, once: the hashed ones are whatever `AuditRow.hashedColumns` lists (a column the
    /// table lacks counts as NULL, as the generic row reader would give it).
    private static func verifyChain(_ db: Database) throws -> AuditVerification {
        let statement = try db.makeStatement(sql: "SELECT * FROM event ORDER BY id")
        let names = statement.columnNames
        func column(_ name: String) -> Int32? { names.firstIndex(of: name).map(Int32.init) }
        guard let idColumn = column("id"), let recordedColumn = column("recorded_at"),
            let previousColumn = column("prev_hash"), let hashColumn = column("hash")
        else {
            return try verifyRows(db)
        }
        let columns = AuditChain.hashOrder.map { column($0.name) ?? -1 }
        let sqlite = statement.sqliteStatement
        let cursor = try Row.fetchCursor(statement)
        var verifier = AuditChain.Verifier()
        return try columns.withUnsafeBufferPointer { columns in
            let row = ColumnBytes(statement: sqlite, recordedAt: recordedColumn, hashed: columns)
            while try cursor.next() != nil {
                let broken = verifier.check(
                    id: sqlite3_column_int64(sqlite, idColumn), previousHash: text(sqlite, previousColumn),
                    hash: text(sqlite, hashColumn), row)
                if let broken { return broken }
            }
            return verifier.result
        }
    }

    /// The current row of a statement as `AuditChain` reads it: each value as SQLite's text of it, where it lies.
    private struct ColumnBytes: AuditChainRow {
        let statement: SQLiteStatement
        let recordedAt: Int32
        /// Each column of `AuditChain.hashOrder` in the statement, -1 where the table lacks it (hashed as NULL).
        let hashed: UnsafeBufferPointer<Int32>

        func recordedAtValue() -> AuditChain.StoredValue { .bytes(AuditStore.text(statement, recordedAt)) }

        func hashedValue(_ index: Int) -> AuditChain.StoredValue {
            let column = hashed[index]
            guard column >= 0, sqlite3_column_type(statement, column) != SQLITE_NULL else { return .null }
            return .bytes(AuditStore.text(statement, column))
        }
    }

    /// A column's value as SQLite's text of it (an integer as its decimal digits), valid until the next step.
    fileprivate static func text(_ statement: SQLiteStatement, _ column: Int32) -> UnsafeRawBufferPointer {
        guard let pointer = sqlite3_column_text(statement, column) else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// The row-by-row path through `rawRow`, for a table that lacks the chain's own columns.
    private static func verifyRows(_ db: Database) throws -> AuditVerification {
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM event ORDER BY id")
        var verifier = AuditChain.Verifier()
        while let row = try cursor.next() {
            if let broken = verifier.check(rawRow(row)) { return broken }
        }
        return verifier.result
    }

    static func rawRow(_ row: Row) -> AuditRawRow {
        var fields: [String: String?] = [:]
        for column in AuditRow.hashedColumns {
            let text = column.isInteger ? (row[column.name] as Int64?).map(String.init) : row[column.name] as String?
            // updateValue, not subscript assignment: assigning nil would drop the key.
            fields.updateValue(text, forKey: column.name)
        }
        return AuditRawRow(
            id: row["id"], recordedAt: row["recorded_at"], fields: fields, previousHash: row["prev_hash"],
            hash: row["hash"])
    }
}
