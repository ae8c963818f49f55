import Logging
import PostgresNIO

/// The PostgreSQL schema: the SQLite trail's tables with the same columns and text
/// encodings (so rows hash alike on both backends), the lease table, and the guarantees
/// the database itself enforces. Migrations are never edited once shipped: add new ones.
enum PostgresSchema {
    struct Migration {
        let name: String
        let sql: [String]
    }

    /// Serialises migrators across hosts that start at once: a session-level advisory lock.
    static let migrationLockKey: Int64 = 0x7379_6e63_6d69_6772  // "syncmigr"
    /// Serialises appends across hosts: one hash chain, one head at a time.
    static let chainLockKey: Int64 = 0x7379_6e63_6368_6169  // "syncchai"

    static let refuseChangeFunction = """
        CREATE OR REPLACE FUNCTION syncwindow_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit events are append-only: % is refused', TG_OP;
        END
        $$
        """

    static let migrations: [Migration] = [
        Migration(
            name: "v1-event",
            sql: [
                """
                CREATE TABLE event (
                    id          BIGINT PRIMARY KEY,
                    at          TEXT NOT NULL,
                    recorded_at TEXT NOT NULL,
                    pass_id     TEXT,
                    pair        TEXT,
                    side        TEXT CHECK (side IN ('primary', 'standby')),
                    "window"    TEXT,
                    kind        TEXT NOT NULL,
                    outcome     TEXT,
                    job_id      TEXT,
                    actor       TEXT NOT NULL,
                    reason      TEXT,
                    detail      TEXT,
                    until       TEXT,
                    intent_id   BIGINT REFERENCES event(id),
                    host        TEXT,
                    prev_hash   TEXT NOT NULL,
                    hash        TEXT NOT NULL UNIQUE
                )
                """,
                "CREATE INDEX event_pair_kind ON event(pair, kind, id)",
                "CREATE INDEX event_at ON event(at)",
                "CREATE INDEX event_intent ON event(intent_id) WHERE intent_id IS NOT NULL",
                refuseChangeFunction,
                // Append-only is a property of the database, not a promise of the code.
                """
                CREATE TRIGGER event_is_append_only BEFORE UPDATE OR DELETE ON event
                FOR EACH ROW EXECUTE FUNCTION syncwindow_refuse_change()
                """,
                """
                CREATE TRIGGER event_is_never_truncated BEFORE TRUNCATE ON event
                FOR EACH STATEMENT EXECUTE FUNCTION syncwindow_refuse_change()
                """,
                // Caches for `status`, mutable on purpose (as in SQLite): the record is `event`.
                """
                CREATE TABLE observation (
                    pair           TEXT PRIMARY KEY,
                    primary_status TEXT,
                    standby_status TEXT,
                    observed_at    TEXT NOT NULL
                )
                """,
                "CREATE TABLE pass_outcome (pair TEXT PRIMARY KEY, at TEXT NOT NULL, problem TEXT)",
                // Who may act on a pair: the holder until expires_at, by the database's clock.
                // The token grows on every acquisition and fences the holder's appends.
                """
                CREATE TABLE pair_lease (
                    pair       TEXT PRIMARY KEY,
                    holder     TEXT NOT NULL,
                    host       TEXT NOT NULL,
                    token      BIGINT NOT NULL,
                    acquired_at TIMESTAMPTZ NOT NULL,
                    expires_at TIMESTAMPTZ NOT NULL
                )
                """,
            ]),
        // A pair's window edges, newest first, from the index alone (once vacuum has marked the
        // pages visible): every pass reads a pair's last `AuditWindowEdges.recentLimit` edges,
        // each a row on its own page through `event_pair_kind`.
        Migration(
            name: windowEdgesMigration,
            sql: [
                """
                CREATE INDEX event_window_edges ON event (pair, id) INCLUDE (kind, "window")
                WHERE kind IN ('window_opened', 'window_closed')
                """
            ]),
        // Whether a window occurrence is already recorded (`hasEvent`: opened, skipped) in one
        // probe, where `event_pair_kind` fetched every such row the pair ever had.
        Migration(
            name: occurrencesMigration,
            sql: [
                """
                CREATE INDEX event_occurrences ON event (pair, "window", kind, detail) WHERE "window" IS NOT NULL
                """
            ]),
    ]

    static let windowEdgesMigration = "v2-window-edges"
    static let occurrencesMigration = "v3-occurrences"
    /// Migrations that only add an index: a store without them reads the same, only slower,
    /// so reading commands do not wait for a pass (as the owner) to apply them.
    static let indexOnlyMigrations: Set<String> = [windowEdgesMigration, occurrencesMigration]

    /// Applies the migrations this database lacks, under an advisory lock, each in its own
    /// transaction: hosts that start at once migrate one after the other, and the later
    /// ones find nothing to do.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.run("SELECT pg_advisory_lock(\(migrationLockKey))", logger: logger)
        do {
            // Inside the lock: two hosts creating it at once would collide in the catalog. Only
            // when missing: a role with no CREATE privilege (see README) runs a migrated store.
            if try await !hasMigrationTable(connection, logger: logger) {
                try await connection.run(
                    "CREATE TABLE syncwindow_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
                    logger: logger)
            }
            let applied = try await appliedMigrations(connection, logger: logger)
            for migration in migrations where !applied.contains(migration.name) {
                try await connection.withTransaction(logger: logger) { connection in
                    for statement in migration.sql {
                        try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.run(
                        "INSERT INTO syncwindow_migration (name, applied_at) VALUES (\(migration.name), now())",
                        logger: logger)
                }
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(migrationLockKey))", logger: logger)
            throw error
        }
        try await connection.run("SELECT pg_advisory_unlock(\(migrationLockKey))", logger: logger)
    }

    /// Whether the database has been migrated at all (before the first pass it has nothing).
    static func hasMigrationTable(_ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.query("SELECT to_regclass('syncwindow_migration') IS NOT NULL", logger: logger)
            .collect().first.map { try $0.decode(Bool.self) } ?? false
    }

    static func appliedMigrations(_ connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        var names: Set<String> = []
        for try await name in try await connection.query(
            "SELECT name FROM syncwindow_migration", logger: logger
        ).decode(String.self) {
            names.insert(name)
        }
        return names
    }

    /// What `audit verify` checks around the rows, one sentence each: every migration
    /// recorded, and the append-only guards as the migration installed them (`guardProblems`).
    static func problems(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var problems: [String] = []
        let applied =
            try await hasMigrationTable(connection, logger: logger)
            ? try await appliedMigrations(connection, logger: logger) : []
        // An index not yet added guards nothing: only the migrations that shape the rows count.
        let missing = migrations.map(\.name).filter { !applied.contains($0) && !indexOnlyMigrations.contains($0) }
        if !missing.isEmpty {
            problems.append("lacks the migration \(missing.joined(separator: ", ")) in syncwindow_migration")
        }
        return problems + (try await guardProblems(connection, logger: logger))
    }
}
