import Foundation
import SyncwindowTestSupport
import Testing

/// `audit --format csv|json` and `report` read PostgreSQL through a cursor (`AuditEventStreaming`), as they read
/// SQLite: the same trail, migrated from one to the other, prints the same bytes on both.
@Suite("audit exports and report on PostgreSQL", .serialized, .enabled(if: PostgresServer.available))
struct PostgresExportEndToEndTests {
    @Test("a trail migrated to PostgreSQL exports and reports byte for byte as on SQLite")
    func sameBytesOnBothStores() throws {
        // Given a SQLite trail of two nights, an override and a failed pause among them
        let fixture = try ConfigFixture(storeFromEnvironment: false)
        defer { fixture.directory.remove() }
        _ = try fixture.usePostgres(try PostgresServer.shared().makeDatabase())
        let emulator = try SpawnedEmulator(configPath: fixture.configPath, flags: ["--job-delay", "0s"])
        defer { _ = emulator.stop() }
        let postgresConfig = try fixture.configPointing(at: emulator.baseURL)
        let text = try String(contentsOfFile: postgresConfig, encoding: .utf8)
        let sqliteConfig = try fixture.directory.write(
            "config-sqlite.yaml", String(text[..<text.range(of: "store:")!.lowerBound]))
        func run(_ config: String, _ arguments: [String]) throws -> BinaryRunner.Result {
            let result = try BinaryRunner.run("syncwindow", arguments + ["--config", config])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        for at in ["2026-12-01T01:31:00Z", "2026-12-01T03:31:00Z", "2026-12-02T01:31:00Z", "2026-12-02T03:31:00Z"] {
            _ = try BinaryRunner.run(
                "syncwindow", ["tick", "--config", sqliteConfig, "--at", at, "--poll-interval", "0.05"])
        }
        _ = try run(
            sqliteConfig,
            [
                "override", "pause", "orders", "--for", "2h", "--reason", "drill, \"quoted\" — ünïcode", "--actor",
                "carol",
            ])
        // When it is migrated to PostgreSQL
        _ = try run(postgresConfig, ["audit", "migrate", "--from-sqlite", fixture.stateDirectory])
        // Then every export and report prints the same bytes from either store
        let period = ["--since", "2026-11-30T00:00:00Z", "--until", "2026-12-03T00:00:00Z"]
        for arguments in [
            ["audit", "--format", "csv"], ["audit", "--format", "json"],
            ["audit", "--format", "csv", "--pair", "orders"],
            ["audit", "--format", "json", "--since", "2026-12-01T02:00:00Z"],
            ["report", "--format", "table"] + period, ["report", "--format", "json"] + period,
            ["report", "--format", "csv"] + period, ["report", "--format", "html"] + period,
            ["report", "--format", "json", "--pair", "orders"] + period,
        ] {
            let sqlite = try run(sqliteConfig, arguments)
            let postgres = try run(postgresConfig, arguments)
            #expect(!sqlite.stdout.isEmpty)
            #expect(postgres.stdout == sqlite.stdout, "\(arguments)")
        }
        let csv = try run(postgresConfig, ["audit", "--format", "csv"]).stdout
        #expect(csv.contains("ünïcode") && csv.contains("override_set"), "\(csv)")
    }
}
