import Foundation
import SyncwindowTestSupport
import Testing

/// Moving a host's SQLite trail to PostgreSQL with `audit migrate`, as the README says, step by
/// step, with the timer still running on the old config — and what verify on PostgreSQL catches.
@Suite("moving the trail to PostgreSQL, and its guards there", .serialized, .enabled(if: PostgresServer.available))
struct TrailMoveEndToEndTests {
    typealias Shared = SharedStoreEndToEndTests
    static let inWindow = Shared.inWindow
    static let afterWindow = Shared.afterWindow

    /// A PostgreSQL setup plus the same config without its store block: the host before the switch.
    struct Setup {
        let shared: Shared.Setup
        let sqliteConfig: String

        init(emulatorFlags: [String] = []) throws {
            shared = try Shared.Setup(emulatorFlags: emulatorFlags)
            let text = try String(contentsOfFile: shared.config, encoding: .utf8)
            sqliteConfig = try shared.fixture.directory.write(
                "config-sqlite.yaml", String(text[..<text.range(of: "store:")!.lowerBound]))
        }

        var stateDirectory: String { shared.fixture.stateDirectory }

        /// A pass of alpha, the host that migrates its trail and then carries on with `store:` added
        /// (a configuration it changed itself, so it puts it into effect: docs/hosts-that-disagree.md).
        func sqliteTick(at: String) throws -> BinaryRunner.Result {
            try BinaryRunner.run(
                "syncwindow",
                ["tick", "--config", sqliteConfig, "--host-id", "alpha", "--at", at, "--poll-interval", "0.05"])
        }

        func migrate() throws -> BinaryRunner.Result {
            try BinaryRunner.run(
                "syncwindow", ["audit", "migrate", "--config", shared.config, "--from-sqlite", stateDirectory])
        }

        /// SQL on the SQLite trail (the fixture's own `queryTrail` asks PostgreSQL).
        func sqlite(_ sql: String) throws -> String { try shared.fixture.querySQLiteTrail(sql) }

        func posts() throws -> Int { try shared.acceptedPosts().values.reduce(0, +) }

        func finish() { shared.finish() }
    }

    @Test("after audit migrate, a pass on the old SQLite config refuses, naming the new store; DR is served from there")
    func passOnMovedTrailRefuses() throws {
        // Given a host whose SQLite trail holds a pause: the window is open
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.sqliteTick(at: Self.inWindow).status == 0)
        #expect(try setup.posts() == 4)
        // When the trail is migrated, and the timer ticks on the old config before the switch
        let migrate = try setup.migrate()
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.contains("marked moved"), "\(migrate.stdout)")
        let stale = try setup.sqliteTick(at: Self.afterWindow)
        // Then that pass refuses in one line naming where the trail went, and calls nothing
        #expect(stale.status == 2, "\(stale.stdout) \(stale.stderr)")
        let lines = stale.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("was moved to postgresql://"), "\(stale.stderr)")
        #expect(lines.first?.contains(setup.shared.database.name) == true, "\(stale.stderr)")
        #expect(try setup.posts() == 4, "a pass on the moved trail called the cloud")
        // ... `check` on the old config says where the trail went
        let check = try BinaryRunner.run("syncwindow", ["check", "--offline", "--config", setup.sqliteConfig])
        #expect(check.status == 2 && check.stderr.contains("was moved to postgresql://"), "\(check.stderr)")
        // ... reading commands still read the old file
        for command in [["status"], ["audit", "verify"], ["audit"]] {
            let read = try BinaryRunner.run("syncwindow", command + ["--config", setup.sqliteConfig])
            #expect(read.status == 0, "\(command): \(read.stderr)")
        }
        // ... the copy ends with the same mark, naming no password, and the switched host resumes from it
        #expect(try setup.shared.sql("SELECT kind FROM event ORDER BY id DESC LIMIT 1") == "trail_moved")
        #expect(try setup.sqlite("SELECT kind FROM event ORDER BY id DESC LIMIT 1;") == "trail_moved")
        let detail = try setup.shared.sql("SELECT detail FROM event WHERE kind = 'trail_moved'")
        #expect(detail.hasPrefix("postgresql://") && !detail.contains(PostgresServer.rolePassword), "\(detail)")
        let tick = try setup.shared.tick(host: "alpha", at: Self.afterWindow)
        #expect(tick.status == 0, "\(tick.stderr)")
        #expect(try setup.posts() == 8, "the window's close was served from the new store")
        try setup.shared.expectAuditedAndIntact()
    }

    @Test("a migrate while a pass runs copies the whole trail: the pass's later appends refuse, the copy lacks none")
    func migrateDuringAPass() throws {
        // Given a pass on the SQLite trail that has sent its pauses and waits for their jobs
        let setup = try Setup(emulatorFlags: ["--job-delay", "6s"])
        defer { setup.finish() }
        let process = Process()
        process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
        process.arguments = [
            "tick", "--config", setup.sqliteConfig, "--host-id", "alpha", "--at", Self.inWindow, "--poll-interval",
            "0.05",
        ]
        let stderr = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        let sent = waitUntil(timeout: 30, every: 0.05) {
            (try? setup.sqlite("SELECT count(*) FROM event WHERE kind = 'pause_outcome';")) == "4"
        }
        try #require(sent, "the pass did not send its pauses")
        // When the trail is migrated meanwhile
        let migrate = try setup.migrate()
        #expect(migrate.status == 0, "\(migrate.stderr)")
        // Then the pass, once its jobs finish, refuses to append past the mark
        let output = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "\(String(decoding: output, as: UTF8.self))")
        #expect(String(decoding: output, as: UTF8.self).contains("was moved to postgresql://"))
        // ... every event of the SQLite trail is in the copy, the mark last in both
        let sqliteCount = try setup.sqlite("SELECT count(*) FROM event;")
        #expect(try setup.shared.sql("SELECT count(*) FROM event") == sqliteCount)
        #expect(try setup.sqlite("SELECT kind FROM event ORDER BY id DESC LIMIT 1;") == "trail_moved")
        // ... and the next pass, on the new store, settles what the refused one left open
        let tick = try setup.shared.tick(host: "alpha", at: "2026-12-01T01:32:00Z")
        #expect(tick.status == 0, "\(tick.stderr)")
        #expect(try setup.posts() == 4, "the pairs were paused once")
        try setup.shared.expectAuditedAndIntact()
    }

    @Test("migrate refuses a trail that verify refuses: guards dropped and the newest rows deleted")
    func migrateRefusesWhatVerifyRefuses() throws {
        // Given a SQLite trail whose delete trigger was dropped and whose newest rows were deleted
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.sqliteTick(at: Self.inWindow).status == 0)
        _ = try setup.sqlite(
            "DROP TRIGGER event_is_append_only_delete; DELETE FROM event WHERE id > (SELECT max(id) - 3 FROM event);")
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.sqliteConfig])
        #expect(verify.status == 1, "\(verify.stdout) \(verify.stderr)")
        // When it is migrated
        let migrate = try setup.migrate()
        // Then migrate refuses as verify does, in one line naming why, and copies and marks nothing
        #expect(migrate.status == 1, "\(migrate.stdout) \(migrate.stderr)")
        let lines = migrate.stderr.split(separator: "\n")
        #expect(
            lines.count == 1 && lines[0].contains("does not verify, so nothing was copied")
                && lines[0].contains("event_is_append_only_delete"), "\(migrate.stderr)")
        #expect(try setup.shared.sql("SELECT to_regclass('event') IS NULL") == "t", "the store was touched")
        #expect(try setup.sqlite("SELECT count(*) FROM event WHERE kind = 'trail_moved';") == "0")
    }

    @Test("migrate from a corrupt file: exit 2, one line of syncwindow's naming the file")
    func migrateFromCorruptFile() throws {
        let setup = try Setup()
        defer { setup.finish() }
        try FileManager.default.createDirectory(atPath: setup.stateDirectory, withIntermediateDirectories: true)
        let file = setup.stateDirectory + "/audit.sqlite"
        try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: file))
        let migrate = try setup.migrate()
        #expect(migrate.status == 2, "\(migrate.stdout) \(migrate.stderr)")
        let lines = migrate.stderr.split(separator: "\n")
        #expect(
            lines.count == 1 && lines[0].hasPrefix("syncwindow: ") && lines[0].contains(file)
                && lines[0].contains("not an intact SQLite database"), "\(migrate.stderr)")
    }

    @Test(
        "a guard left in place but guarding nothing: verify exit 1 naming it, and passes refuse",
        arguments: [
            "ALTER TABLE event ENABLE REPLICA TRIGGER event_is_append_only",
            """
            CREATE OR REPLACE FUNCTION syncwindow_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF false THEN RAISE EXCEPTION 'audit events are append-only: % is refused', TG_OP; END IF;
                RETURN OLD;
            END
            $$
            """,
        ])
    func unguardedPostgresTrail(tamper: String) throws {
        // Given a paused pair on PostgreSQL, a guard neutered, and the newest rows deleted
        let setup = try Shared.Setup()
        defer { setup.finish() }
        #expect(try setup.tick(host: "alpha", at: Self.inWindow).status == 0)
        _ = try setup.sql(tamper)
        _ = try setup.sql("DELETE FROM event WHERE id > (SELECT max(id) - 3 FROM event)")
        // When verify runs
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        // Then it is not intact, naming the guard
        #expect(verify.status == 1, "\(verify.stdout) \(verify.stderr)")
        #expect(
            verify.stderr.contains("NOT PROTECTED")
                && (verify.stderr.contains("event_is_append_only")
                    || verify.stderr.contains("syncwindow_refuse_change")),
            "\(verify.stderr)")
        // ... and a pass refuses to append to it, calling nothing
        let before = try setup.acceptedPosts()
        let tick = try setup.tick(host: "alpha", at: Self.afterWindow)
        #expect(tick.status == 2, "\(tick.stdout) \(tick.stderr)")
        #expect(tick.stderr.contains("nothing was appended"), "\(tick.stderr)")
        #expect(try setup.acceptedPosts() == before)
    }
}
