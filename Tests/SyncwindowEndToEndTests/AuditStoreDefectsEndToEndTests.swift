import Foundation
import SyncwindowTestSupport
import Testing

/// Reading commands that must not write, a trail that lost its guarantees, and CSV a
/// spreadsheet must not evaluate — through the built binaries, on real SQLite files.
@Suite("audit store defects end to end", .serialized, .sqliteTrailOnly)
struct AuditStoreDefectsEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup

    static let readingCommands: [[String]] = [
        ["status"], ["audit"], ["audit", "--format", "csv"], ["report"], ["audit", "verify"],
    ]

    @Test(
        "with no trail, reading commands create nothing; verify exits 1 'no trail at PATH'", arguments: [false, true])
    func readingWithoutTrailCreatesNothing(stateDirectoryExists: Bool) throws {
        // Given a host where the service has not run yet (and root running `status`)
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        if stateDirectoryExists {
            try FileManager.default.createDirectory(atPath: fixture.stateDirectory, withIntermediateDirectories: false)
        }
        let before = listing(fixture.directory.path)
        for command in Self.readingCommands {
            // When a reading command runs
            let result = try BinaryRunner.run("syncwindow", command + ["--config", fixture.configPath])
            // Then it says so in one line and exits as specified
            let path = fixture.stateDirectory + "/audit.sqlite"
            if command == ["audit", "verify"] {
                #expect(result.status == 1, "\(command): \(result.stderr)")
                #expect(result.stderr == "syncwindow: no trail at \(path)\n", "\(command)")
            } else {
                #expect(result.status == 0, "\(command): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(command): \(result.stderr)")
                #expect(result.stderr.contains("no audit trail at \(path)"), "\(command): \(result.stderr)")
            }
            // ... and creates nothing: no state directory, no database, no lock file
            #expect(listing(fixture.directory.path) == before, "\(command) created files")
        }
    }

    @Test("a read-only copy of a real trail can be read and verified by another user")
    func readOnlyCopyIsReadable() throws {
        // Given a trail made by a real tick, copied where `nobody` can read but not write
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        let copy = setup.fixture.directory.url("copy").path
        try FileManager.default.copyItem(atPath: setup.fixture.stateDirectory, toPath: copy)
        let config = try setup.fixture.directory.write(
            "config-copy.yaml",
            try String(contentsOfFile: setup.config, encoding: .utf8)
                .replacingOccurrences(of: "state_dir: state", with: "state_dir: \(copy)"))
        for entry in try FileManager.default.subpathsOfDirectory(atPath: copy) {
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: copy + "/" + entry)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: copy + "/locks")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: setup.fixture.directory.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy) }
        let before = listing(copy)
        // When `nobody` runs the reading commands on it
        for command in Self.readingCommands {
            let result = try runAsNobody(command + ["--config", config])
            // Then they work, and verify proves the copy intact
            #expect(result.status == 0, "\(command): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.isEmpty, "\(command): \(result.stderr)")
            if command == ["audit", "verify"] { #expect(result.stdout.hasPrefix("audit trail intact: ")) }
            if command == ["audit", "--format", "csv"] { #expect(result.stdout.contains("pause_outcome,accepted")) }
            if command == ["status"] { #expect(result.stdout.contains("SUSPENDED")) }
        }
        #expect(listing(copy) == before)
    }

    @Test("sudo status before the service's first run: the service user's first tick still works")
    func sudoStatusBeforeFirstTick() throws {
        // Given a host prepared for the service user (nobody): state_dir and secrets are theirs
        let setup = try Setup()
        defer { setup.finish() }
        let state = setup.fixture.stateDirectory
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        for path in [
            state, setup.fixture.directory.url("secrets/ak").path, setup.fixture.directory.url("secrets/sk").path,
        ] {
            try FileManager.default.setAttributes(
                [.ownerAccountID: 65534, .groupOwnerAccountID: 65534], ofItemAtPath: path)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: setup.fixture.directory.path)
        // When root looks first
        let status = try BinaryRunner.run("syncwindow", ["status", "--config", setup.config])
        #expect(status.status == 0, "\(status.stderr)")
        // Then the service user's tick can still create and write its trail
        let tick = try runAsNobody(["tick", "--config", setup.config, "--at", TickEndToEndTests.inWindow])
        #expect(tick.status == 0, "\(tick.stdout) \(tick.stderr)")
        #expect(try setup.sqlite("SELECT count(*) FROM event WHERE kind = 'pause_outcome';") == "4")
    }

    @Test("root reading the service user's trail leaves nothing root-owned behind")
    func rootReadingLeavesNoRootOwnedFiles() throws {
        // Given a trail owned by the service user (here: nobody)
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        let state = setup.fixture.stateDirectory
        let nobody = 65534
        for entry in [""] + (try FileManager.default.subpathsOfDirectory(atPath: state)) {
            try FileManager.default.setAttributes(
                [.ownerAccountID: nobody, .groupOwnerAccountID: nobody], ofItemAtPath: state + "/" + entry)
        }
        // When root (`sudo syncwindow …`) runs every reading command
        for command in Self.readingCommands {
            let result = try BinaryRunner.run("syncwindow", command + ["--config", setup.config])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        // Then every file in state_dir, SQLite's -wal and -shm included, still belongs to that user
        for entry in try FileManager.default.subpathsOfDirectory(atPath: state) {
            let owner = try FileManager.default.attributesOfItem(atPath: state + "/" + entry)[.ownerAccountID] as? Int
            #expect(owner == nobody, "\(entry) is owned by \(owner ?? -1)")
        }
    }

    @Test("a reader never migrates: a trail older than the binary is named in one line and left as it was")
    func readerDoesNotMigrateAnOlderTrail() throws {
        // Given a trail from before the observation migration
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        _ = try setup.sqlite("DROP TABLE observation; DELETE FROM grdb_migrations WHERE identifier = 'v1-observation';")
        // When status reads it
        let result = try BinaryRunner.run("syncwindow", ["status", "--config", setup.config])
        // Then it says which migration is missing, and migrates nothing
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("lacks the migration v1-observation"), "\(result.stderr)")
        #expect(try setup.sqlite("SELECT count(*) FROM sqlite_master WHERE name = 'observation';") == "0")
    }

    @Test("a trail newer than the binary is still read and verified")
    func newerTrailIsRead() throws {
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        _ = try setup.sqlite(
            "INSERT INTO grdb_migrations VALUES ('v9-from-the-future'); CREATE TABLE future (x INTEGER);")
        for command in [["status"], ["audit"], ["report"], ["audit", "verify"]] {
            let result = try BinaryRunner.run("syncwindow", command + ["--config", setup.config])
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
    }

    @Test("a dropped append-only trigger: verify exits 1 naming it; a pass refuses to append (exit 2)")
    func droppedTriggerIsCaught() throws {
        // Given a real trail whose UPDATE trigger was dropped behind syncwindow's back
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        _ = try setup.sqlite("DROP TRIGGER event_is_append_only_update;")
        let rows = try setup.sqlite("SELECT count(*) FROM event;")
        let posts = try setup.acceptedPosts()
        // When verify runs
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        // Then it is not "intact", and it names the trigger
        #expect(verify.status == 1, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stderr.split(separator: "\n").count == 1, "\(verify.stderr)")
        #expect(verify.stderr.contains("event_is_append_only_update"), "\(verify.stderr)")
        // When the next pass (which would resume) runs
        let tick = try setup.tick(at: TickEndToEndTests.afterWindow)
        // Then it refuses in one line, appends nothing and calls nothing
        #expect(tick.status == 2, "\(tick.stdout) \(tick.stderr)")
        #expect(tick.stderr.split(separator: "\n").count == 1, "\(tick.stderr)")
        #expect(tick.stderr.contains("has lost its append-only trigger event_is_append_only_update"), "\(tick.stderr)")
        #expect(try setup.sqlite("SELECT count(*) FROM event;") == rows)
        #expect(try setup.acceptedPosts() == posts)
    }

    @Test("an altered append-only trigger is named too")
    func alteredTriggerIsCaught() throws {
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        _ = try setup.sqlite(
            """
            DROP TRIGGER event_is_append_only_delete;
            CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event WHEN 0
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE is refused'); END;
            """)
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        #expect(verify.status == 1, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stderr.contains("altered append-only trigger event_is_append_only_delete"), "\(verify.stderr)")
    }

    @Test("CSV neutralises cells a spreadsheet would evaluate: reason '=1+1', actor '@SUM(A1)'")
    func csvFormulaInjectionIsNeutralised() throws {
        // Given an override whose reason and actor look like formulas
        let setup = try Setup()
        defer { setup.finish() }
        let override = try BinaryRunner.run(
            "syncwindow",
            [
                "override", "pause", "orders", "--for", "1h", "--reason", "=1+1", "--actor", "@SUM(A1)", "--at",
                TickEndToEndTests.afterWindow, "--config", setup.config,
            ])
        #expect(override.status == 0, "\(override.stderr)")
        // When the trail is exported as CSV
        let csv = try BinaryRunner.run("syncwindow", ["audit", "--format", "csv", "--config", setup.config])
        #expect(csv.status == 0, "\(csv.stderr)")
        // Then those cells start with an apostrophe, and no cell starts with a formula character
        #expect(csv.stdout.contains("override_set,paused,,'@SUM(A1),'=1+1,"), "\(csv.stdout)")
        for line in csv.stdout.split(separator: "\n") {
            for cell in line.split(separator: ",", omittingEmptySubsequences: true) {
                #expect(!"=+-@".contains(cell.first!), "\(cell) in \(line)")
            }
        }
        // ... while JSON keeps the text exactly as typed
        let json = try BinaryRunner.run("syncwindow", ["audit", "--format", "json", "--config", setup.config])
        #expect(json.stdout.contains("\"reason\": \"=1+1\"") || json.stdout.contains("\"reason\":\"=1+1\""))
    }
}
