import ArgumentParser
import Foundation
import SyncwindowAudit
import SyncwindowPostgres

/// `syncwindow audit migrate --from-sqlite PATH`: moves a single host's trail into the shared
/// PostgreSQL store the config names, rows and hashes verbatim, and proves the chain after.
///
/// The SQLite trail is marked moved before it is copied: a `trail_moved` event naming the
/// destination, its last. From then on every pass on the SQLite trail refuses (exit 2, naming
/// where the trail went) in the transaction that would append, so a pass still on the old
/// config can neither write events the copy lacks nor act on a pair with no trail anyone reads,
/// and the copy — taken after the mark — is the whole trail.
struct AuditMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a SQLite audit trail into the (empty) PostgreSQL store of store.postgres, chain intact.",
        discussion: """
            Marks the SQLite trail moved first: passes still writing it refuse from then on. Run it as \
            the service user, then give every host the store: block.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(
        name: .customLong("from-sqlite"),
        help: "The SQLite trail: its audit.sqlite file, or the state_dir holding it.")
    var fromSQLite: String

    func run() async throws {
        let (config, host) = try options.loadWithHost()
        guard case .postgres = config.store else {
            throw CLIFailure(
                "\(config.sourceFile): audit migrate copies into a PostgreSQL store, and this config has no store.postgres"
            )
        }
        let directory = try sourceDirectory()
        // What `audit verify` refuses, migrate refuses, in verify's words: a copy must not
        // launder a trail whose newest rows could have been deleted.
        let reader = try openSource(directory)
        do {
            _ = try await AuditVerdict.require(reader)
        } catch let failure as CLIFailure {
            throw CLIFailure(
                "--from-sqlite \(reader.path) does not verify, so nothing was copied: \(failure.message)",
                exitCode: failure.exitCode)
        }
        try await Wiring.withStore(config, host: host) { store in
            guard let target = store.audit as? PostgresAuditStore else {
                throw CLIFailure("store.postgres did not open a PostgreSQL store")
            }
            let existing = try await target.count()
            guard existing == 0 else {
                throw CLIFailure(StoreNotEmpty(location: target.location, count: existing).description)
            }
            let source = try openSourceForMarking(directory, host: host)
            let (mark, earlier) = try await source.markMoved(
                NewAuditEvent(
                    at: SystemClock.now(), kind: .trailMoved, actor: Arguments.actor(explicit: nil),
                    reason: "audit migrate", detail: target.location))
            let copied: Int
            do {
                copied = try await target.importRows(from: source)
            } catch let error as StoreNotEmpty {
                throw CLIFailure(error.description)
            }
            // Statistics and visibility for the planner before the first pass reads the copy (and
            // before the check below reads it all); a failure here leaves it to autovacuum.
            try? await target.vacuumAfterBulkLoad()
            guard case .intact(let total, let head) = try await target.verify(), Int64(total) == mark.id,
                head == mark.hash
            else {
                throw CLIFailure(
                    "copied \(copied) events, but the PostgreSQL chain does not match the SQLite one — do not use it; "
                        + "recreate the database and migrate again",
                    exitCode: ExitStatus.notConverged)
            }
            let marked =
                earlier
                ? "it was marked moved (to \(mark.event.detail ?? "?")) by an earlier migrate"
                : "it is marked moved, and passes on it now refuse"
            print(
                "copied \(copied) events from \(source.path) to \(target.location); chain intact, head \(head); "
                    + "\(marked) — give every host's config the store: block")
        }
    }

    /// The directory of the trail at `--from-sqlite` (a file named audit.sqlite, or the directory holding one).
    func sourceDirectory() throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: fromSQLite, isDirectory: &isDirectory) else {
            throw CLIFailure("--from-sqlite \(fromSQLite): no such file or directory")
        }
        let url = URL(fileURLWithPath: fromSQLite)
        guard isDirectory.boolValue || url.lastPathComponent == AuditStore.fileName else {
            throw CLIFailure(
                "--from-sqlite \(fromSQLite): name the \(AuditStore.fileName) file or the state_dir holding it")
        }
        return isDirectory.boolValue ? url.path : url.deletingLastPathComponent().path
    }

    /// The trail, read-only: what verify reads.
    func openSource(_ directory: String) throws -> AuditStore {
        do {
            return try AuditStore.openForReading(
                stateDirectory: directory, busyTimeout: AuditBusyTimeout.fromEnvironment(), requireMigrations: false)
        } catch let error as AuditStoreError {
            throw CLIFailure(error)
        }
    }

    /// The trail, for appending its `trail_moved` mark (even when an earlier migrate made it).
    func openSourceForMarking(_ directory: String, host: String) throws -> AuditStore {
        do {
            return try AuditStore.open(
                stateDirectory: directory, wallClock: SystemClock.now, busyTimeout: AuditBusyTimeout.fromEnvironment(),
                host: host, allowingMoved: true)
        } catch let error as AuditStoreError {
            throw CLIFailure(error)
        } catch {
            let reason =
                String(describing: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "unknown error"
            throw CLIFailure(
                "--from-sqlite \(fromSQLite): cannot mark the trail moved (\(reason)) — run audit migrate as the "
                    + "service user, who owns the trail; nothing was copied")
        }
    }
}
