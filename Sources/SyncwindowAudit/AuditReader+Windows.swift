import GRDB

extension AuditReader {
    /// How far back `openWindowEdges` looks: a pair's latest window edges. A window opens
    /// at most once per occurrence and closes within 24 hours, so an edge further back than
    /// this many events was closed long ago.
    static let recentWindowEdgeLimit = 64

    /// `window_opened` events of `pair` that no later `window_closed` of the same window
    /// follows, among the pair's recent edges (bounded, so a year of history costs nothing).
    public func openWindowEdges(pair: String) throws -> [AuditEvent] {
        let recent = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM event WHERE pair = ? AND kind IN ('window_opened', 'window_closed')
                ORDER BY id DESC LIMIT ?
                """,
            arguments: [pair, Self.recentWindowEdgeLimit]
        ).map(AuditRow.event(from:))
        var seen: Set<String> = []
        var open: [AuditEvent] = []
        for event in recent {
            guard let window = event.event.window, seen.insert(window).inserted else { continue }
            if event.event.kind == .windowOpened { open.append(event) }
        }
        return open.reversed()
    }
}
