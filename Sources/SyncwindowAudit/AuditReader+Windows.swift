import GRDB

extension AuditReader {
    /// `window_opened` events of `pair` that no later `window_closed` of the same window
    /// follows, among the pair's recent edges (bounded, so a year of history costs nothing).
    public func openWindowEdges(pair: String) throws -> [AuditEvent] {
        // Only the id, kind and window of the recent edges, newest first, from the covering
        // `event_window_edges` index (a trail not yet migrated gets the same answer from
        // `event_pair_kind`, slower); then whole rows for the few that are open.
        let recent = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, kind, window FROM event
                    WHERE pair = ? AND kind IN ('window_opened', 'window_closed') ORDER BY id DESC LIMIT ?
                    """),
            arguments: [pair, AuditWindowEdges.recentLimit])
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
