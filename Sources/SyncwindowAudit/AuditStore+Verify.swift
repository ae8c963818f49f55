import GRDB
import GRDBSQLite

extension AuditStore {
    /// Recomputes the whole chain from the raw rows (not through `AuditEvent`, so that a
    /// value the decoder would normalise still counts as tampering).
    public func verify() async throws -> AuditVerification {
        try await mappingErrors { try await database.read(Self.verifyChain) }
    }

    /// Streams the rows through `AuditChain.Verifier` reading column bytes straight from SQLite: no `String`,
    /// dictionary or `Row` per value, so a year's trail (a million rows) verifies in about a microsecond a row.
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
        // The hashed fields as plain values over one buffer of labels: nothing in the loop is reference
        // counted (an array or string per field would be, a million times over).
        var labels: [UInt8] = []
        var fields: [(column: Int32, hashedOnlyWhenSet: Bool, label: Range<Int>)] = []
        for field in AuditChain.hashOrder {
            let start = labels.count
            labels += Array("\(field.name)=".utf8)
            fields.append((column(field.name) ?? -1, field.hashedOnlyWhenSet, start..<labels.count))
        }
        let sqlite = statement.sqliteStatement
        let cursor = try Row.fetchCursor(statement)
        var verifier = AuditChain.Verifier()
        return try labels.withUnsafeBytes { labels in
            try fields.withUnsafeBufferPointer { fields in
                while try cursor.next() != nil {
                    let broken = verifier.check(
                        id: sqlite3_column_int64(sqlite, idColumn), previousHash: text(sqlite, previousColumn),
                        hash: text(sqlite, hashColumn)
                    ) { input in
                        input.append(line: text(sqlite, recordedColumn))
                        for field in fields {
                            let label = UnsafeRawBufferPointer(rebasing: labels[field.label])
                            guard field.column >= 0, sqlite3_column_type(sqlite, field.column) != SQLITE_NULL else {
                                if !field.hashedOnlyWhenSet { input.appendNull(labelBytes: label) }
                                continue
                            }
                            input.append(labelBytes: label, raw: text(sqlite, field.column))
                        }
                    }
                    if let broken { return broken }
                }
                return verifier.result
            }
        }
    }

    /// A column's value as SQLite's text of it (an integer as its decimal digits), valid until the next step.
    private static func text(_ statement: SQLiteStatement, _ column: Int32) -> UnsafeRawBufferPointer {
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
