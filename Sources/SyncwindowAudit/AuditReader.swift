import Foundation
import GRDB

/// The pair-level questions a pass and `status` ask of the trail, answered inside one
/// read transaction (see `AuditStore.read`).
public struct AuditReader {
    let db: Database

    /// Pause/resume intents of `pair` that no outcome settles yet: calls a killed pass may have
    /// made. Only those after the pair's newest settled intent (see `UnsettledIntents`): each
    /// kind's newest settled intent is found walking the `(pair, kind, id)` index back from the
    /// newest, and the intents after the later of the two by a range on the same index.
    public func unsettledIntents(pair: String) throws -> [AuditEvent] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT * FROM event AS intent
                    WHERE intent.pair = ?1 AND intent.kind IN ('pause_intent', 'resume_intent')
                      AND intent.id > coalesce((SELECT max(id) FROM (
                            SELECT id FROM (SELECT id FROM event AS settled
                                            WHERE settled.pair = ?1 AND settled.kind = 'pause_intent'
                                              AND EXISTS (SELECT 1 FROM event WHERE intent_id = settled.id)
                                            ORDER BY id DESC LIMIT 1)
                            UNION ALL
                            SELECT id FROM (SELECT id FROM event AS settled
                                            WHERE settled.pair = ?1 AND settled.kind = 'resume_intent'
                                              AND EXISTS (SELECT 1 FROM event WHERE intent_id = settled.id)
                                            ORDER BY id DESC LIMIT 1))), 0)
                      AND NOT EXISTS (SELECT 1 FROM event AS outcome WHERE outcome.intent_id = intent.id)
                    ORDER BY intent.id
                    """), arguments: [pair]
        ).map(AuditRow.event(from:))
    }

    /// The newest event of `pair` whose kind is one of `kinds` (and, when given, whose side,
    /// window and outcome match).
    ///
    /// One subquery per kind, each walking the `(pair, kind, id)` index from the newest row
    /// and stopping at the first that matches: a pair's history makes it no slower. (With
    /// `kind IN (…)` SQLite collects every row of those kinds and sorts them.)
    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide? = nil, window: String? = nil, outcomes: [String]? = nil
    ) throws -> AuditEvent? {
        guard !kinds.isEmpty else { return nil }
        var filter = ""
        var filterArguments: [String] = []
        if let side {
            filter += " AND side = ?"
            filterArguments.append(side.rawValue)
        }
        if let window {
            filter += " AND window = ?"
            filterArguments.append(window)
        }
        if let outcomes {
            filter += " AND outcome IN (\(placeholders(outcomes.count)))"
            filterArguments.append(contentsOf: outcomes)
        }
        let newestOfKind =
            "SELECT * FROM (SELECT * FROM event WHERE pair = ? AND kind = ?\(filter) ORDER BY id DESC LIMIT 1)"
        let sql =
            kinds.count == 1
            ? newestOfKind
            : Array(repeating: newestOfKind, count: kinds.count).joined(separator: " UNION ALL ")
                + " ORDER BY id DESC LIMIT 1"
        let arguments = kinds.flatMap { [pair, $0.rawValue] + filterArguments }
        return try Row.fetchOne(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
            .map(AuditRow.event(from:))
    }

    public func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) throws -> AuditEvent? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT * FROM event WHERE pair IS NULL AND kind = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1"
            ),
            arguments: [kind.rawValue, AuditTimestamp.string(instant)]
        ).map(AuditRow.event(from:))
    }

    public func newestUnpaired(kind: AuditKind, host: String?) throws -> AuditEvent? {
        let byHost = host == nil ? "" : " AND host = ?"
        return try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT * FROM event WHERE pair IS NULL AND kind = ?\(byHost) ORDER BY id DESC LIMIT 1"),
            arguments: StatementArguments([kind.rawValue] + (host.map { [$0] } ?? []))
        ).map(AuditRow.event(from:))
    }

    /// Whether an event of `kind` already records this window occurrence for `pair`.
    public func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: "SELECT EXISTS (SELECT 1 FROM event WHERE pair = ? AND window = ? AND kind = ? AND detail = ?)"),
            arguments: [pair, window, kind.rawValue, detail]) ?? false
    }

    private func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}
