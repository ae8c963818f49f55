import Logging
import PostgresNIO
import SyncwindowAudit

/// `pairTrail` as ONE statement: what a pass reads of a pair before it acts (the ledger's
/// `latest` questions, the unsettled intents, the open window edges) in one round trip, and
/// in one snapshot because it is one statement — where asking one question at a time would
/// cost a transaction and eight round trips per pair, per pass.
///
/// Every part walks an index from the pair's newest row and stops early, so a pair's history
/// does not slow it: `latest` takes each kind's newest matching row from `(pair, kind, id)`
/// (with `kind = ANY(…)` the planner collects every row of those kinds and sorts them), the
/// unsettled intents are those after the newest settled one (see `UnsettledIntents`), and
/// the window edges are the pair's last `AuditWindowEdges.recentLimit`, from the covering
/// `event_window_edges`.
enum PostgresPairTrail {
    /// The tags of the rows that are not answers to a `latest` question (those carry its index).
    static let unsettledTag: Int32 = -1
    static let openEdgeTag: Int32 = -2

    /// The `latest` questions as rows (`$2`…`$6`: tag, kind, side, window, outcomes; an empty
    /// string for "any", outcomes joined by commas — outcome words are a fixed vocabulary with
    /// no commas, `AuditOutcome`), each the newest matching event of the
    /// pair `$1` from the `(pair, kind, id)` index. The questions are parameters, not SQL, so
    /// the text never changes and each connection prepares (and plans) it once.
    static let latestSQL = """
        SELECT question.tag AS q, answer.* FROM unnest($2::int4[], $3::text[], $4::text[], $5::text[], $6::text[])
            AS question(tag, kind, side, "window", outcomes)
        CROSS JOIN LATERAL (
            SELECT \(PostgresRows.columns) FROM event
            WHERE pair = $1 AND kind = question.kind
              AND (question.side = '' OR side = question.side)
              AND (question."window" = '' OR "window" = question."window")
              AND (question.outcomes = '' OR outcome = ANY(string_to_array(question.outcomes, ',')))
            ORDER BY id DESC LIMIT 1) AS answer
        """

    static let unsettledSQL: String = {
        let newestSettled = UnsettledIntents.kinds.map { kind in
            """
            (SELECT id FROM event AS settled WHERE settled.pair = $1 AND settled.kind = '\(kind.rawValue)'
               AND EXISTS (SELECT 1 FROM event WHERE intent_id = settled.id) ORDER BY id DESC LIMIT 1)
            """
        }
        let kinds = UnsettledIntents.kinds.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            SELECT \(unsettledTag)::int4 AS q, \(PostgresRows.columns) FROM event AS intent
            WHERE intent.pair = $1 AND intent.kind IN (\(kinds))
              AND intent.id > coalesce(greatest(\(newestSettled.joined(separator: ", "))), 0)
              AND NOT EXISTS (SELECT 1 FROM event AS outcome WHERE outcome.intent_id = intent.id)
            """
    }()

    /// The newest edge of each window among the recent ones (from `event_window_edges`, index
    /// only), kept when it is an opening.
    static let openWindowEdgesSQL = """
        SELECT \(openEdgeTag)::int4 AS q, \(PostgresRows.columns) FROM event
        WHERE kind = 'window_opened' AND id IN (
            SELECT DISTINCT ON ("window") id FROM (
                SELECT id, "window" FROM event WHERE pair = $1 AND kind IN ('window_opened', 'window_closed')
                ORDER BY id DESC LIMIT \(AuditWindowEdges.recentLimit)) AS recent
            WHERE "window" IS NOT NULL ORDER BY "window", id DESC)
        """

    /// The `latest` questions as index probes, each distinct kind-and-filters once (`status`
    /// asks for the newest `pause_outcome` in two questions: one probe answers both).
    struct Probes: Sendable {
        private struct Key: Hashable {
            var kind: String
            var side: String
            var window: String
            var outcomes: String
        }

        private var keys: [Key] = []
        /// For each probe, the questions it answers.
        private(set) var questionsOf: [[Int]] = []
        let questionCount: Int

        init(_ questions: [LatestEventQuestion]) {
            questionCount = questions.count
            var probeOf: [Key: Int] = [:]
            for (question, asked) in questions.enumerated() {
                for kind in asked.kinds {
                    let key = Key(
                        kind: kind.rawValue, side: asked.side?.rawValue ?? "", window: asked.window ?? "",
                        outcomes: asked.outcomes.map(PostgresPairTrail.outcomeList) ?? "")
                    if let probe = probeOf[key] {
                        questionsOf[probe].append(question)
                    } else {
                        probeOf[key] = keys.count
                        keys.append(key)
                        questionsOf.append([question])
                    }
                }
            }
        }

        /// `$1` the pair, `$2`…`$6` the probes (tag, kind, side, window, outcomes).
        func bindings(pair: String) -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 6)
            bindings.append(pair)
            bindings.append(keys.indices.map { Int32($0) })
            bindings.append(keys.map(\.kind))
            bindings.append(keys.map(\.side))
            bindings.append(keys.map(\.window))
            bindings.append(keys.map(\.outcomes))
            return bindings
        }
    }

    /// Outcomes as one parameter. An empty list matches nothing, as `outcome IN ()` would.
    static func outcomeList(_ outcomes: [String]) -> String {
        outcomes.isEmpty ? "," : outcomes.joined(separator: ",")
    }

    /// Sorts the statement's rows into answers: per question the newest row tagged with it.
    struct Collector {
        let probes: Probes
        var latest: [AuditEvent?]
        var unsettledIntents: [AuditEvent] = []
        var openWindowEdges: [AuditEvent] = []

        init(_ probes: Probes) {
            self.probes = probes
            latest = Array(repeating: nil, count: probes.questionCount)
        }

        mutating func add(_ row: PostgresRow) throws {
            let tag = try row.makeRandomAccess()["q"].decode(Int32.self)
            let event = try PostgresRows.raw(row).event
            switch tag {
            case unsettledTag: unsettledIntents.append(event)
            case openEdgeTag: openWindowEdges.append(event)
            default:
                for question in probes.questionsOf[Int(tag)] where (latest[question]?.id ?? 0) < event.id {
                    latest[question] = event
                }
            }
        }

        var answers: PairTrailAnswers {
            PairTrailAnswers(
                latest: latest, unsettledIntents: unsettledIntents.sorted { $0.id < $1.id },
                openWindowEdges: openWindowEdges.sorted { $0.id < $1.id })
        }
    }
}

/// Everything `pairTrail` asks, as one prepared statement.
struct PairTrailStatement: PostgresPreparedStatement {
    static let sql =
        "(\(PostgresPairTrail.latestSQL))\nUNION ALL (\(PostgresPairTrail.unsettledSQL))"
        + "\nUNION ALL (\(PostgresPairTrail.openWindowEdgesSQL))"
    typealias Row = PostgresRow

    var pair: String
    var probes: PostgresPairTrail.Probes

    func makeBindings() -> PostgresBindings { probes.bindings(pair: pair) }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// `latest` questions only, as one prepared statement.
struct LatestEventsStatement: PostgresPreparedStatement {
    static let sql = PostgresPairTrail.latestSQL
    typealias Row = PostgresRow

    var pair: String
    var probes: PostgresPairTrail.Probes

    func makeBindings() -> PostgresBindings { probes.bindings(pair: pair) }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

extension PostgresConnection {
    /// Runs `pairTrail`'s statement (or, without `intentsAndEdges`, its `latest` part only).
    func pairTrail(
        pair: String, latest questions: [LatestEventQuestion], intentsAndEdges: Bool = true, logger: Logger
    ) async throws -> PairTrailAnswers {
        let probes = PostgresPairTrail.Probes(questions)
        var collector = PostgresPairTrail.Collector(probes)
        if intentsAndEdges {
            for try await row in try await execute(PairTrailStatement(pair: pair, probes: probes), logger: logger) {
                try collector.add(row)
            }
        } else {
            for try await row in try await execute(LatestEventsStatement(pair: pair, probes: probes), logger: logger) {
                try collector.add(row)
            }
        }
        return collector.answers
    }
}
