import GRDB

extension AuditStore {
    /// Recomputes the whole chain from the raw rows (not through `AuditEvent`, so that a
    /// value the decoder would normalise still counts as tampering).
    public func verify() async throws -> AuditVerification {
        try await mappingBusy { try await database.read(Self.verifyChain) }
    }

    private static func verifyChain(_ db: Database) throws -> AuditVerification {
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
