import ArgumentParser
import Foundation
import SyncwindowAudit
import SyncwindowPostgres

/// `syncwindow audit migrate --from-sqlite PATH`: moves a single host's trail into the shared
/// PostgreSQL store the config names, rows and hashes verbatim, and proves the chain after.
struct AuditMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a SQLite audit trail into the (empty) PostgreSQL store of store.postgres, chain intact.")

    @OptionGroup var options: ConfigOptions

    @Option(
        name: .customLong("from-sqlite"),
        help: "The SQLite trail: its audit.sqlite file, or the state_dir holding it.")
    var fromSQLite: String

    func run() async throws {
        let config = try options.load()
        guard case .postgres = config.store else {
            throw CLIFailure(
                "\(config.sourceFile): audit migrate copies into a PostgreSQL store, and this config has no store.postgres"
            )
        }
        let source = try openSource()
        guard case .intact(let count, let sourceHead) = try await source.verify() else {
            throw CLIFailure(
                "the SQLite trail \(source.path) does not verify; run `syncwindow audit verify` on it — nothing was copied"
            )
        }
        let store = try await Wiring.openStore(config)
        guard let target = store.audit as? PostgresAuditStore else {
            throw CLIFailure("store.postgres did not open a PostgreSQL store")
        }
        let copied: Int
        do {
            copied = try await target.importRows(from: source)
        } catch let error as StoreNotEmpty {
            throw CLIFailure(error.description)
        }
        // Statistics and visibility for the planner before the first pass reads the copy (and
        // before the check below reads it all); a failure here leaves it to autovacuum.
        try? await target.vacuumAfterBulkLoad()
        guard case .intact(let total, let head) = try await target.verify(), total == count, head == sourceHead
        else {
            throw CLIFailure(
                "copied \(copied) events, but the PostgreSQL chain does not match the SQLite one — do not use it; "
                    + "recreate the database and migrate again",
                exitCode: ExitStatus.notConverged)
        }
        print("copied \(copied) events from \(source.path) to \(target.location); chain intact, head \(head)")
    }

    /// The trail at `--from-sqlite`, read-only (a file named audit.sqlite, or the directory holding one).
    func openSource() throws -> AuditStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: fromSQLite, isDirectory: &isDirectory) else {
            throw CLIFailure("--from-sqlite \(fromSQLite): no such file or directory")
        }
        let url = URL(fileURLWithPath: fromSQLite)
        guard isDirectory.boolValue || url.lastPathComponent == AuditStore.fileName else {
            throw CLIFailure(
                "--from-sqlite \(fromSQLite): name the \(AuditStore.fileName) file or the state_dir holding it")
        }
        let directory = isDirectory.boolValue ? url.path : url.deletingLastPathComponent().path
        do {
            return try AuditStore.openForReading(
                stateDirectory: directory, busyTimeout: AuditBusyTimeout.fromEnvironment(), requireMigrations: false)
        } catch let error as AuditStoreError {
            throw CLIFailure(error)
        }
    }
}
