/// `openWindowEdges` for every driver: from a pair's recent window edges, newest first,
/// the opens whose window has no later close. One implementation, so drivers cannot drift.
package enum AuditWindowEdges {
    /// How far back `openWindowEdges` looks: a pair's latest window edges. A window opens
    /// at most once per occurrence and closes within 24 hours, so an edge further back than
    /// this many events was closed long ago.
    package static let recentLimit = 64

    package static func open(newestFirst recent: [AuditEvent]) -> [AuditEvent] {
        var seen: Set<String> = []
        var open: [AuditEvent] = []
        for event in recent {
            guard let window = event.event.window, seen.insert(window).inserted else { continue }
            if event.event.kind == .windowOpened { open.append(event) }
        }
        return open.reversed()
    }
}
