import GRDB

/// The audit database schema. Migrations are never edited once shipped: add new ones.
enum AuditSchema {
    /// Migrations that only add an index: a trail without them reads the same, only slower,
    /// so reading commands do not wait for a pass to apply them.
    package static let indexOnlyMigrations: Set<String> = [windowEdgesMigration, occurrencesMigration]
    static let windowEdgesMigration = "v4-window-edges"
    static let occurrencesMigration = "v5-occurrences"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-event") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event (
                        id          INTEGER PRIMARY KEY,
                        at          TEXT NOT NULL,
                        recorded_at TEXT NOT NULL,
                        pass_id     TEXT,
                        pair        TEXT,
                        side        TEXT CHECK (side IN ('primary', 'standby')),
                        window      TEXT,
                        kind        TEXT NOT NULL,
                        outcome     TEXT,
                        job_id      TEXT,
                        actor       TEXT NOT NULL,
                        reason      TEXT,
                        detail      TEXT,
                        until       TEXT,
                        intent_id   INTEGER REFERENCES event(id),
                        prev_hash   TEXT NOT NULL,
                        hash        TEXT NOT NULL UNIQUE
                    );
                    CREATE INDEX event_pair_kind ON event(pair, kind, id);
                    CREATE INDEX event_at ON event(at);
                    CREATE INDEX event_intent ON event(intent_id) WHERE intent_id IS NOT NULL;
                    -- Append-only is a property of the database, not a promise of the code.
                    CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
                    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE is refused'); END;
                    CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
                    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE is refused'); END;
                    """)
        }
        // The last live state each pass saw, for `status`. Mutable on purpose: it is an
        // observation cache, not a record; the record is the event table.
        migrator.registerMigration("v1-observation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE observation (
                        pair        TEXT PRIMARY KEY,
                        primary_status TEXT,
                        standby_status TEXT,
                        observed_at TEXT NOT NULL
                    );
                    """)
        }
        // How each pair's last pass ended, for `status`: a pass that reaches its desired
        // state records no event, so without this a fixed failure would look outstanding
        // forever, and a persisting one (recorded once) would look fixed. A cache, like `observation`.
        migrator.registerMigration("v2-pass-outcome") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pass_outcome (
                        pair    TEXT PRIMARY KEY,
                        at      TEXT NOT NULL,
                        problem TEXT
                    );
                    """)
        }
        // Which host wrote each event, once several hosts share a trail. Hashed when set
        // (`AuditRow.hashedColumns`); NULL in older rows, whose hashes stay as they were.
        migrator.registerMigration("v3-host") { db in
            try db.execute(sql: "ALTER TABLE event ADD COLUMN host TEXT")
        }
        // A pair's window edges, newest first, from the index alone: every pass reads a pair's
        // last `AuditWindowEdges.recentLimit` edges, and through `event_pair_kind` each was a
        // row fetched from its own page — the one read a pass made that grew with history.
        migrator.registerMigration(windowEdgesMigration) { db in
            try db.execute(
                sql: """
                    CREATE INDEX event_window_edges ON event(pair, id, kind, window)
                    WHERE kind IN ('window_opened', 'window_closed')
                    """)
        }
        // Whether a window occurrence is already recorded (`hasEvent`: opened, skipped) in one
        // probe. Through `event_pair_kind` it read every such event the pair ever had, row by row,
        // for every pair at every window's open: an edge that slowed with history.
        migrator.registerMigration(occurrencesMigration) { db in
            try db.execute(
                sql: "CREATE INDEX event_occurrences ON event(pair, window, kind, detail) WHERE window IS NOT NULL")
        }
        return migrator
    }
}
