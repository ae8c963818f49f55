import GRDB

extension AuditStore {
    /// Up to `limit` stored rows with ids above `id`, oldest first, as raw column text: what
    /// `audit migrate` copies, page by page, so a trail of any size moves in bounded memory.
    package func rawRows(after id: Int64, limit: Int) async throws -> [AuditRawRow] {
        try await mappingErrors {
            try await database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM event WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit]
                )
                .map(Self.rawRow)
            }
        }
    }
}
