import Foundation
import GRDB
import SyncwindowLocks

/// The audit trail at `{state_dir}/audit.sqlite`: WAL mode, append-only (enforced by
/// triggers), hash-chained. Several processes may use it at once (the timer's tick, an
/// operator's override); appends take an IMMEDIATE transaction so the chain stays linear.
/// Passes open it with `open` (creating and migrating it); reading commands with
/// `openForReading`, which never creates, migrates or writes anything.
public final class AuditStore: Sendable {
    public static let fileName = "audit.sqlite"

    /// How long a write waits for another process's lock before giving up with `.busy`.
    /// Our own appends hold the lock for one fsync (milliseconds); what holds it longer is
    /// an operator's `sqlite3` session, a backup or a VACUUM. A minute outlasts those and
    /// is one timer period: waiting longer gains nothing, the next tick tries again anyway.
    public static let defaultBusyTimeout: Duration = .seconds(60)

    public let path: String
    let database: any DatabaseWriter
    let busyTimeout: Duration
    let wallClock: @Sendable () -> Date
    let host: String?
    /// Appends and cache writes share transactions when they arrive together (`GroupCommit`).
    let writes: GroupCommit

    /// Opens (creating if needed) the store in `stateDirectory`, migrating under a file lock,
    /// and refuses a store whose append-only guarantees are gone (`.unprotected`), or that
    /// `audit migrate` moved elsewhere (`.moved`; `allowingMoved` is for `audit migrate` itself).
    /// - Parameter wallClock: the real time, stamped as `recorded_at` beside each event's `at`.
    /// - Parameter host: stamped on every event appended without one (`NewAuditEvent.host`).
    public static func open(
        stateDirectory: String, wallClock: @escaping @Sendable () -> Date,
        busyTimeout: Duration = AuditStore.defaultBusyTimeout, host: String? = nil, allowingMoved: Bool = false
    ) throws -> AuditStore {
        try FileManager.default.createDirectory(
            atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let path = URL(fileURLWithPath: stateDirectory).appendingPathComponent(fileName).path
        // GRDB's migrator is not safe when several processes open a new file at once.
        let migrationLock = try FileLock.acquireBlocking(path: path + ".migrate.lock")
        defer { migrationLock.release() }
        var configuration = baseConfiguration(busyTimeout: busyTimeout, mapped: true)
        // An intent must be on disk before its POST leaves: with WAL's default NORMAL sync a
        // power loss could roll back a committed intent after the call was made. FULL costs
        // one fsync per append, which at a few events a minute is nothing.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return try mappingErrors(path: path, timeout: busyTimeout) {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try AuditSchema.migrator.migrate(pool)
            if let problem = try pool.read(AuditSchemaCheck.problems).first {
                throw AuditStoreError.unprotected(path: path, problem: problem)
            }
            if !allowingMoved, let destination = try pool.read({ try movedTo(Head.fetch($0)) }) {
                throw AuditStoreError.moved(path: path, destination: destination)
            }
            return AuditStore(
                path: path, database: pool, busyTimeout: busyTimeout, wallClock: wallClock, host: host)
        }
    }

    init(
        path: String, database: any DatabaseWriter, busyTimeout: Duration, wallClock: @escaping @Sendable () -> Date,
        host: String? = nil
    ) {
        self.path = path
        self.database = database
        self.busyTimeout = busyTimeout
        self.wallClock = wallClock
        self.host = host
        self.writes = GroupCommit(database)
    }

    /// How much of the trail is read through a memory map: a year of 200 pairs is ~520 MB.
    static let mappedBytes = 1 << 30

    /// - Parameter mapped: read pages through a memory map (see `mappedBytes`): for passes and
    ///   `status`, which probe a few pages per pair. Not for commands that read the whole trail
    ///   (exports, `verify`, `report`): every page they touch would stay mapped, and a year's
    ///   export would show the whole file in its resident memory.
    static func baseConfiguration(busyTimeout: Duration, mapped: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(
            TimeInterval(busyTimeout.components.seconds) + TimeInterval(busyTimeout.components.attoseconds) / 1e18)
        configuration.label = "syncwindow.audit"
        // Pages read through a memory map rather than a read() each: a pass or `status` probes
        // a few index pages per pair, scattered over a trail that grows to hundreds of MB in a
        // year, in a process whose own page cache starts cold. (Writes still go through the WAL.)
        if mapped {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA mmap_size = \(mappedBytes)")
            }
        }
        return configuration
    }

    /// Appends events in one transaction, in order, extending the hash chain. The fence is
    /// not checked: a `flock` pair lock is held until its process dies, so it cannot be lost.
    @discardableResult
    public func append(_ events: [NewAuditEvent], fence: LeaseFence? = nil) async throws -> [AuditEvent] {
        guard !events.isEmpty else { return [] }
        let recordedAt = wallClock()
        let events = events.stampingHost(host)
        return try await mappingErrors { try await appendUnmapped(events, recordedAt: recordedAt) }
    }

    private func appendUnmapped(_ events: [NewAuditEvent], recordedAt: Date) async throws -> [AuditEvent] {
        try await writes.write { [path] db in
            let head = try Head.fetch(db)
            // Checked in the transaction that would append: a pass that opened the trail before
            // `audit migrate` moved it finds out here, and writes nothing the copy lacks.
            if let destination = Self.movedTo(head) {
                throw AuditStoreError.moved(path: path, destination: destination)
            }
            return try Self.insert(events, after: head, recordedAt: recordedAt, db)
        }
    }

    /// Inserts `events` after `head`, extending the chain, in the caller's transaction.
    static func insert(_ events: [NewAuditEvent], after head: Head?, recordedAt: Date, _ db: Database) throws
        -> [AuditEvent]
    {
        var previousID: Int64 = head?.id ?? 0
        var previousHash: String = head?.hash ?? AuditChain.genesis
        var stored: [AuditEvent] = []
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO event (id, at, recorded_at, pass_id, pair, side, window, kind, outcome, job_id,
                                   actor, reason, detail, until, intent_id, host, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for event in events {
            let id = previousID + 1
            let row = AuditRow(id: id, recordedAt: recordedAt, event: event)
            let hash = AuditChain.hash(
                id: id, recordedAt: row.recordedAtText, fields: row.hashedFields, previousHash: previousHash)
            try insert.execute(arguments: row.arguments + [previousHash, hash])
            stored.append(
                AuditEvent(id: id, recordedAt: recordedAt, event: event, previousHash: previousHash, hash: hash))
            previousID = id
            previousHash = hash
        }
        return stored
    }

    /// Events matching `query`, oldest first.
    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        let (sql, arguments) = query.sql()
        return try await mappingErrors {
            try await database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map(AuditRow.event(from:))
            }
        }
    }
}

extension AuditStore: AuditStoring {
    /// The file's path.
    public var location: String { path }

    /// Runs `body` on one snapshot: a connection of its own holding one read transaction open for as long as
    /// `body` runs, so appends other processes commit meanwhile are not seen (a pass's pool: GRDB's
    /// `DatabaseSnapshot`; a reading command's file: `SQLiteSnapshotConnection`). A trail in memory or opened
    /// immutable has no other writer: there each question reads it as it is.
    public func read<T: Sendable>(
        _ body: @escaping @Sendable (any AuditLedgerReading) async throws -> T
    ) async throws -> T {
        if let pool = database as? DatabasePool {
            let snapshot = try await mappingErrors { try pool.makeSnapshot() }
            return try await body(SQLiteLedgerReader(store: self, database: snapshot))
        }
        guard let queue = database as? DatabaseQueue, queue.path == path else {
            return try await body(SQLiteLedgerReader(store: self, database: database))
        }
        let snapshot = try await mappingErrors { try await SQLiteSnapshotConnection.open(like: queue) }
        do {
            let result = try await body(SQLiteLedgerReader(store: self, database: snapshot.queue))
            await snapshot.close()
            return result
        } catch {
            await snapshot.close()
            throw error
        }
    }
}

/// A read-only connection of its own to a trail's file, inside one read transaction from `open` to `close`:
/// GRDB's `DatabaseSnapshot` for a store that is a single `DatabaseQueue` (what reading commands open). Its
/// reads (`DatabaseQueue.read`) join the open transaction instead of starting their own.
struct SQLiteSnapshotConnection {
    let queue: DatabaseQueue

    static func open(like store: DatabaseQueue) async throws -> SQLiteSnapshotConnection {
        var configuration = store.configuration
        // The transaction spans several accesses on purpose (GRDB refuses that unless told).
        configuration.allowsUnsafeTransactions = true
        configuration.label = "syncwindow.snapshot"
        let queue = try DatabaseQueue(path: store.path, configuration: configuration)
        try await queue.writeWithoutTransaction { db in
            try db.beginTransaction(.deferred)
            // A deferred transaction takes its snapshot at its first read.
            _ = try Row.fetchOne(db, sql: "SELECT 1 FROM sqlite_master LIMIT 1")
        }
        return SQLiteSnapshotConnection(queue: queue)
    }

    /// Ends the read transaction and closes the connection (nothing was written: there is nothing to lose).
    func close() async {
        try? await queue.writeWithoutTransaction { db in try db.rollback() }
        try? queue.close()
    }
}

/// Filters for reading the trail. Times compare against the event's `at`.
public struct AuditQuery: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    public var pair: String?
    public var kinds: [AuditKind]?

    public init(since: Date? = nil, until: Date? = nil, pair: String? = nil, kinds: [AuditKind]? = nil) {
        self.since = since
        self.until = until
        self.pair = pair
        self.kinds = kinds
    }

    func sql() -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let since {
            clauses.append("at >= ?")
            arguments.append(AuditTimestamp.string(since))
        }
        if let until {
            clauses.append("at < ?")
            arguments.append(AuditTimestamp.string(until))
        }
        if let pair {
            clauses.append("pair = ?")
            arguments.append(pair)
        }
        if let kinds {
            clauses.append("kind IN (\(kinds.map { _ in "?" }.joined(separator: ", ")))")
            arguments.append(contentsOf: kinds.map(\.rawValue))
        }
        let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return ("SELECT * FROM event\(filter) ORDER BY id", StatementArguments(arguments))
    }
}
