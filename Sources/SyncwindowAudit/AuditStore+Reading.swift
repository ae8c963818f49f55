import Foundation
import GRDB

extension AuditStore {
    /// Opens an existing trail read-only, for `status`, `audit` and `report`: it never creates,
    /// migrates or chmods anything, so `sudo syncwindow status` before the service's first run
    /// cannot leave root-owned files the service user then trips over, and an auditor can read
    /// (and verify) a copy in a directory they cannot write.
    /// - Parameter requireMigrations: throw `.needsMigration` when the trail lacks a migration
    ///   this binary reads (one that only adds an index is not needed to read). `audit verify`
    ///   passes false: it reports that itself.
    /// - Parameter mapped: read through a memory map, for a command that probes the trail
    ///   pair by pair (`status`) rather than reading all of it (see `baseConfiguration`).
    /// - Throws: `AuditStoreError.missing` when there is no trail.
    public static func openForReading(
        stateDirectory: String, busyTimeout: Duration = AuditStore.defaultBusyTimeout, requireMigrations: Bool = true,
        mapped: Bool = false
    ) throws -> AuditStore {
        let path = URL(fileURLWithPath: stateDirectory).appendingPathComponent(fileName).path
        guard FileManager.default.fileExists(atPath: path) else { throw AuditStoreError.missing(path: path) }
        var configuration = baseConfiguration(busyTimeout: busyTimeout, mapped: mapped)
        configuration.readonly = true
        let queue = try mappingErrors(path: path, timeout: busyTimeout) {
            try openReadOnly(path: path, configuration: configuration)
        }
        if requireMigrations {
            let missing = try mappingErrors(path: path, timeout: busyTimeout) {
                try queue.read(AuditSchemaCheck.missingForReading)
            }
            guard missing.isEmpty else { throw AuditStoreError.needsMigration(path: path, missing: missing) }
        }
        return AuditStore(path: path, database: queue, busyTimeout: busyTimeout, wallClock: { Date.distantPast })
    }

    /// An empty trail in memory, for reading commands on a host where no trail exists yet:
    /// they show empty results without creating a file.
    public static func empty(path: String) throws -> AuditStore {
        let queue = try DatabaseQueue()
        try AuditSchema.migrator.migrate(queue)
        return AuditStore(path: path, database: queue, busyTimeout: defaultBusyTimeout, wallClock: { Date.distantPast })
    }

    /// A read-only connection to a WAL database needs its `-shm` index, which SQLite must be
    /// able to create unless it already exists. In a directory we cannot write and with no
    /// `-shm` (the trail was closed cleanly, or copied without it), SQLite refuses; then the
    /// file alone is the whole trail, and `immutable=1` reads it without any index or lock.
    private static func openReadOnly(path: String, configuration: Configuration) throws -> DatabaseQueue {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            // Opening is lazy about the WAL index: a first read proves it usable.
            _ = try queue.read { try $0.tableExists("event") }
            return queue
        } catch let error as DatabaseError where !error.isBusy {
            // Unmerged writes in a `-wal` would be invisible to an immutable read: refuse instead.
            let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            guard walSize == 0 else {
                throw AuditStoreError.unreadable(
                    path: path,
                    reason: "\(error.message ?? "\(error)"); its write-ahead log holds writes not yet merged "
                        + "— copy the directory, -wal and -shm included, somewhere this user can write")
            }
            return try DatabaseQueue(path: immutableURI(path), configuration: configuration)
        }
    }

    private static func immutableURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?immutable=1"
    }
}
