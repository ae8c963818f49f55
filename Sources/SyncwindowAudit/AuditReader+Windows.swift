import GRDB

extension AuditReader {
    /// `window_opened` events of `pair` that no later `window_closed` of the same window
    /// follows, among the pair's recent edges (bounded, so a year of history costs nothing).
    public func openWindowEdges(pair: String) throws -> [AuditEvent] {
        // Only the id, kind and window of the recent edges (a year of nights means 64 of them
        // per pair, every pass), then whole rows for the few that are open.
        let recent = try Row.fetchAll(
            db.cachedStatement(
                // The newest of each kind from the (pair, kind, id) index, then the newest of
                // those: `kind IN (…)` would collect and sort every edge the pair ever had.
                sql: """
                    SELECT id, kind, window FROM (SELECT id, kind, window FROM event
                                                  WHERE pair = ? AND kind = 'window_opened' ORDER BY id DESC LIMIT ?)
                    UNION ALL
                    SELECT id, kind, window FROM (SELECT id, kind, window FROM event
                                                  WHERE pair = ? AND kind = 'window_closed' ORDER BY id DESC LIMIT ?)
                    ORDER BY id DESC LIMIT ?
                    """),
            arguments: [
                pair, AuditWindowEdges.recentLimit, pair, AuditWindowEdges.recentLimit, AuditWindowEdges.recentLimit,
            ])
        var seen: Set<String> = []
        var openIDs: [Int64] = []
        for row in recent {
            guard let window: String = row["window"], seen.insert(window).inserted else { continue }
            if row["kind"] == AuditKind.windowOpened.rawValue { openIDs.append(row["id"]) }
        }
        guard !openIDs.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: openIDs.count).joined(separator: ", ")
        return try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM event WHERE id IN (\(placeholders)) ORDER BY id"),
            arguments: StatementArguments(openIDs)
        ).map(AuditRow.event(from:))
    }
}
