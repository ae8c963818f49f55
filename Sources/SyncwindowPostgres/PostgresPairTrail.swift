import PostgresNIO
import SyncwindowAudit

/// `pairTrail` as ONE statement: what a pass reads of a pair before it acts (the ledger's
/// `latest` questions, the unsettled intents, the open window edges) in one round trip, and
/// in one snapshot because it is one statement — where asking one question at a time would
/// cost a transaction and eight round trips per pair, per pass.
///
/// Every part walks the `(pair, kind, id)` index from the newest row and stops early, so a
/// pair's history does not slow it: `latest` takes each kind's newest matching row (with
/// `kind = ANY(…)` the planner collects every row of those kinds and sorts them), the
/// unsettled intents are those after the newest settled one (see `UnsettledIntents`), and
/// the window edges are the pair's last `AuditWindowEdges.recentLimit`.
enum PostgresPairTrail {
    /// The tags of the rows that are not answers to a `latest` question (those carry its index).
    static let unsettledTag: Int32 = -1
    static let openEdgeTag: Int32 = -2

    static func query(pair: String, latest questions: [LatestEventQuestion], intentsAndEdges: Bool = true)
        -> PostgresQuery
    {
        var bindings = PostgresBindings()
        func bind(_ value: String) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        func bind(_ values: [String]) -> String {
            bindings.append(values)
            return "$\(bindings.count)"
        }
        let pairParameter = bind(pair)
        let columns = PostgresRows.columns
        var parts: [String] = []
        for (index, question) in questions.enumerated() {
            var filter = ""
            if let side = question.side { filter += " AND side = \(bind(side.rawValue))" }
            if let window = question.window { filter += " AND \"window\" = \(bind(window))" }
            if let outcomes = question.outcomes { filter += " AND outcome = ANY(\(bind(outcomes)))" }
            for kind in question.kinds {
                parts.append(
                    "(SELECT \(index)::int4 AS q, \(columns) FROM event WHERE pair = \(pairParameter)"
                        + " AND kind = '\(kind.rawValue)'\(filter) ORDER BY id DESC LIMIT 1)")
            }
        }
        if intentsAndEdges {
            parts.append(unsettledIntents(pairParameter))
            parts.append(openWindowEdges(pairParameter))
        }
        return PostgresQuery(unsafeSQL: parts.joined(separator: "\nUNION ALL "), binds: bindings)
    }

    private static func unsettledIntents(_ pair: String) -> String {
        let newestSettled = UnsettledIntents.kinds.map { kind in
            """
            (SELECT id FROM event AS settled WHERE settled.pair = \(pair) AND settled.kind = '\(kind.rawValue)'
               AND EXISTS (SELECT 1 FROM event WHERE intent_id = settled.id) ORDER BY id DESC LIMIT 1)
            """
        }
        let kinds = UnsettledIntents.kinds.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            (SELECT \(unsettledTag)::int4 AS q, \(PostgresRows.columns) FROM event AS intent
             WHERE intent.pair = \(pair) AND intent.kind IN (\(kinds))
               AND intent.id > coalesce(greatest(\(newestSettled.joined(separator: ", "))), 0)
               AND NOT EXISTS (SELECT 1 FROM event AS outcome WHERE outcome.intent_id = intent.id))
            """
    }

    /// The newest edge of each window among the recent ones, kept when it is an opening.
    private static func openWindowEdges(_ pair: String) -> String {
        let limit = AuditWindowEdges.recentLimit
        return """
            (SELECT \(openEdgeTag)::int4 AS q, \(PostgresRows.columns) FROM event
             WHERE kind = 'window_opened' AND id IN (
                SELECT DISTINCT ON ("window") id FROM (
                    (SELECT id, "window" FROM event WHERE pair = \(pair) AND kind = 'window_opened'
                     ORDER BY id DESC LIMIT \(limit))
                    UNION ALL
                    (SELECT id, "window" FROM event WHERE pair = \(pair) AND kind = 'window_closed'
                     ORDER BY id DESC LIMIT \(limit))
                    ORDER BY id DESC LIMIT \(limit)) AS recent
                WHERE "window" IS NOT NULL ORDER BY "window", id DESC))
            """
    }

    /// Sorts the statement's rows into answers: per question the newest row tagged with it.
    struct Collector {
        var latest: [AuditEvent?]
        var unsettledIntents: [AuditEvent] = []
        var openWindowEdges: [AuditEvent] = []

        init(questions: Int) {
            latest = Array(repeating: nil, count: questions)
        }

        mutating func add(_ row: PostgresRow) throws {
            let tag = try row.makeRandomAccess()["q"].decode(Int32.self)
            let event = try PostgresRows.raw(row).event
            switch tag {
            case unsettledTag: unsettledIntents.append(event)
            case openEdgeTag: openWindowEdges.append(event)
            default:
                let index = Int(tag)
                if (latest[index]?.id ?? 0) < event.id { latest[index] = event }
            }
        }

        var answers: PairTrailAnswers {
            PairTrailAnswers(
                latest: latest, unsettledIntents: unsettledIntents.sorted { $0.id < $1.id },
                openWindowEdges: openWindowEdges.sorted { $0.id < $1.id })
        }
    }
}

extension PostgresAuditStore {
    /// One statement on a pooled connection, no transaction: a statement is its own snapshot.
    public func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers {
        let logger = backend.logger
        return try await backend.withConnection { connection in
            var collector = PostgresPairTrail.Collector(questions: questions.count)
            for try await row in try await connection.query(
                PostgresPairTrail.query(pair: pair, latest: questions), logger: logger)
            {
                try collector.add(row)
            }
            return collector.answers
        }
    }
}
