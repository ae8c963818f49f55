import Logging
import PostgresNIO

/// The append-only guards as `v1-event` installed them, and how to tell when they no longer guard.
///
/// A trigger can be present and still guard nothing: disabled (`tgenabled` `D`), or set to fire only
/// when the session replays replication (`R`); a `WHEN` clause or a column list can narrow it to nothing;
/// and `CREATE OR REPLACE FUNCTION` can give the function a body that never raises. Each of these lets the
/// role that writes the trail delete its newest rows, so each is a problem, as a dropped trigger is.
extension PostgresSchema {
    /// A guard trigger as the migration created it.
    struct GuardTrigger: Equatable {
        let name: String
        /// `pg_trigger.tgtype`: the row/statement, timing and event bits.
        let type: Int
    }

    /// `BEFORE UPDATE OR DELETE … FOR EACH ROW` is ROW (1) | BEFORE (2) | DELETE (8) | UPDATE (16);
    /// `BEFORE TRUNCATE … FOR EACH STATEMENT` is BEFORE (2) | TRUNCATE (32).
    static let guardTriggers = [
        GuardTrigger(name: "event_is_append_only", type: 27),
        GuardTrigger(name: "event_is_never_truncated", type: 34),
    ]

    static let refuseChangeFunctionName = "syncwindow_refuse_change"

    /// The body of `refuseChangeFunction` as PostgreSQL keeps it (`pg_proc.prosrc`): the text between the
    /// dollar quotes, compared whole, so that any other body — one that returns without raising — is found.
    static let refuseChangeBody: String = {
        let parts = refuseChangeFunction.components(separatedBy: "$$")
        precondition(parts.count == 3, "refuseChangeFunction: one dollar-quoted body")
        return parts[1]
    }()

    /// `tgenabled` values under which a trigger fires in a normal session: `O` (origin and local, the
    /// default) and `A` (always). `R` fires only while replaying replication, `D` never.
    static let firingStates: Set<String> = ["O", "A"]

    /// One sentence per guard that no longer guards (lost, disabled, replica-only, narrowed, or calling a
    /// function that no longer refuses), empty when both guard as the migration installed them.
    static func guardProblems(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        struct Present {
            let enabled: String
            let type: Int
            let unconditional: Bool
            let function: String
            let language: String
            let body: String
        }
        var present: [String: Present] = [:]
        let rows = try await connection.query(
            """
            SELECT t.tgname, t.tgenabled::text, t.tgtype::int4,
                   t.tgqual IS NULL AND cardinality(t.tgattr::int2[]) = 0,
                   p.proname::text, l.lanname::text, p.prosrc
            FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang
            WHERE t.tgrelid = to_regclass('event') AND NOT t.tgisinternal
            """, logger: logger)
        for try await (name, enabled, type, unconditional, function, language, body) in rows.decode(
            (String, String, Int32, Bool, String, String, String).self)
        {
            present[name] = Present(
                enabled: enabled, type: Int(type), unconditional: unconditional, function: function,
                language: language, body: body)
        }
        var problems: [String] = []
        var alteredFunction = false
        for expected in guardTriggers {
            guard let trigger = present[expected.name] else {
                problems.append("has lost its append-only trigger \(expected.name)")
                continue
            }
            if !firingStates.contains(trigger.enabled) {
                problems.append(
                    trigger.enabled == "R"
                        ? "has its append-only trigger \(expected.name) set to fire only on replicas "
                            + "(ENABLE REPLICA TRIGGER), so it refuses nothing here"
                        : "has its append-only trigger \(expected.name) disabled")
            }
            if trigger.type != expected.type || !trigger.unconditional || trigger.function != refuseChangeFunctionName {
                problems.append("has an altered append-only trigger \(expected.name)")
            } else if trigger.language != "plpgsql" || trigger.body != refuseChangeBody {
                alteredFunction = true
            }
        }
        if alteredFunction {
            problems.append(
                "has an altered function \(refuseChangeFunctionName) (its body is not the one the migration "
                    + "installed, so it may no longer refuse changes)")
        }
        // Triggers in state `O` do not fire in a session that says it replays replication (`A` ones still do).
        let role = try await connection.query("SELECT current_setting('session_replication_role')", logger: logger)
            .collect().first.map { try $0.decode(String.self) }
        if role == "replica", guardTriggers.contains(where: { present[$0.name]?.enabled == "O" }) {
            problems.append(
                "is written by sessions with session_replication_role = replica, in which its append-only "
                    + "triggers do not fire")
        }
        return problems
    }
}
