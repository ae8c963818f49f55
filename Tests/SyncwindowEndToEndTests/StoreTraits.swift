import SyncwindowTestSupport
import Testing

extension Trait where Self == ConditionTrait {
    /// For tests of the SQLite trail's own files — `flock` pair locks, a `sqlite3` holding the
    /// write lock, file permissions, read-only copies, `state_dir` — which a PostgreSQL store
    /// does not have. Everything else runs on both stores (`SYNCWINDOW_TEST_STORE=postgres`).
    static var sqliteTrailOnly: Self {
        .enabled(if: !PostgresServer.fixturesUsePostgres, "tests the SQLite trail's own files")
    }
}
