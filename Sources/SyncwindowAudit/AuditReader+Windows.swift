import GRDB

extension AuditReader {
    /// `window_opened` events of `pair` that no later `window_closed` of the same window
    /// follows, among the pair's recent edges (bounded, so a year of history costs nothing).
    public func openWindowEdges(pair: String) throws -> [AuditEvent] {
        let recent = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM event WHERE pair = ? AND kind IN ('window_opened', 'window_closed')
                ORDER BY id DESC LIMIT ?
                """,
            arguments: [pair, AuditWindowEdges.recentLimit]
        ).map(AuditRow.event(from:))
        return AuditWindowEdges.open(newestFirst: recent)
    }
}
