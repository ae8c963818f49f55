import GRDB

/// The pair-level questions a pass and `status` ask of the trail, answered inside one
/// read transaction (see `AuditStore.read`).
public struct AuditReader {
    let db: Database

    /// Pause/resume intents of `pair` that no outcome settles yet: calls a killed pass may have made.
    public func unsettledIntents(pair: String) throws -> [AuditEvent] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM event AS intent
                WHERE intent.pair = ? AND intent.kind IN ('pause_intent', 'resume_intent')
                  AND NOT EXISTS (SELECT 1 FROM event AS outcome WHERE outcome.intent_id = intent.id)
                ORDER BY intent.id
                """, arguments: [pair]
        ).map(AuditRow.event(from:))
    }

    /// The newest event of `pair` whose kind is one of `kinds` (and, when given, whose side,
    /// window and outcome match).
    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [String]? = nil
    ) throws -> AuditEvent? {
        var sql = "SELECT * FROM event WHERE pair = ? AND kind IN (\(placeholders(kinds.count)))"
        var arguments: [String] = [pair] + kinds.map(\.rawValue)
        if let side {
            sql += " AND side = ?"
            arguments.append(side.rawValue)
        }
        if let window {
            sql += " AND window = ?"
            arguments.append(window)
        }
        if let outcomes {
            sql += " AND outcome IN (\(placeholders(outcomes.count)))"
            arguments.append(contentsOf: outcomes)
        }
        return try Row.fetchOne(db, sql: sql + " ORDER BY id DESC LIMIT 1", arguments: StatementArguments(arguments))
            .map(AuditRow.event(from:))
    }

    /// Whether an event of `kind` already records this window occurrence for `pair`.
    public func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM event WHERE pair = ? AND window = ? AND kind = ? AND detail = ?)",
            arguments: [pair, window, kind.rawValue, detail]) ?? false
    }

    private func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}
