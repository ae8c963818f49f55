import GRDB

extension AuditReader {
    /// `window_opened` events of `pair` that no later `window_closed` of the same window
    /// follows, among the pair's recent edges (bounded, so a year of history costs nothing).
    public func openWindowEdges(pair: String) throws -> [AuditEvent] {
        let recent = try Row.fetchAll(
            db.cachedStatement(
                // The newest of each kind from the (pair, kind, id) index, then the newest of
                // those: `kind IN (…)` would collect and sort every edge the pair ever had.
                sql: """
                    SELECT * FROM (SELECT * FROM event WHERE pair = ? AND kind = 'window_opened'
                                   ORDER BY id DESC LIMIT ?)
                    UNION ALL
                    SELECT * FROM (SELECT * FROM event WHERE pair = ? AND kind = 'window_closed'
                                   ORDER BY id DESC LIMIT ?)
                    ORDER BY id DESC LIMIT ?
                    """),
            arguments: [
                pair, AuditWindowEdges.recentLimit, pair, AuditWindowEdges.recentLimit, AuditWindowEdges.recentLimit,
            ]
        ).map(AuditRow.event(from:))
        return AuditWindowEdges.open(newestFirst: recent)
    }
}
