import Foundation
import Logging
import PostgresNIO
import SyncwindowAudit
import SyncwindowLocks

/// The audit trail in PostgreSQL, shared by every host: the same rows, chain and answers as
/// the SQLite `AuditStore` (one `AuditChain`, one `AuditRow.hashedColumns`, one verifier).
/// Appends of all hosts are serialised on an advisory lock around the chain head, so the
/// chain stays one line; an append carrying a lease fence is refused, in the transaction
/// that would write it, unless the fence is still the pair's current lease.
public final class PostgresAuditStore: AuditStoring {
    let backend: PostgresBackend
    let wallClock: @Sendable () -> Date
    let host: String?
    let appends: PostgresGroupAppend
    let caches: StatusCaches

    public var location: String { backend.location }

    /// Connects, migrates (under the migration lock) and refuses a store whose append-only
    /// guarantees are gone, as `AuditStore.open` does.
    public static func open(
        _ backend: PostgresBackend, wallClock: @escaping @Sendable () -> Date, host: String? = nil
    ) async throws -> PostgresAuditStore {
        let logger = backend.logger
        let problems = try await backend.withDirectConnection { connection in
            try await PostgresSchema.migrate(connection, logger: logger)
            return try await PostgresSchema.problems(connection, logger: logger)
        }
        if let problem = problems.first {
            throw AuditStoreError.unprotected(path: backend.location, problem: problem)
        }
        return PostgresAuditStore(backend: backend, wallClock: wallClock, host: host)
    }

    /// For reading commands: never migrates; a database without the schema reads as no trail yet.
    public static func openForReading(
        _ backend: PostgresBackend, wallClock: @escaping @Sendable () -> Date, requireMigrations: Bool = true
    ) async throws -> PostgresAuditStore {
        let logger = backend.logger
        let missing = try await backend.withDirectConnection { connection in
            guard try await PostgresSchema.hasMigrationTable(connection, logger: logger) else {
                return nil as [String]?
            }
            let applied = try await PostgresSchema.appliedMigrations(connection, logger: logger)
            return PostgresSchema.migrations.map(\.name).filter {
                !applied.contains($0) && !PostgresSchema.indexOnlyMigrations.contains($0)
            }
        }
        guard let missing else { throw AuditStoreError.missing(path: backend.location) }
        if requireMigrations && !missing.isEmpty {
            throw AuditStoreError.needsMigration(path: backend.location, missing: missing)
        }
        return PostgresAuditStore(backend: backend, wallClock: wallClock)
    }

    init(backend: PostgresBackend, wallClock: @escaping @Sendable () -> Date, host: String? = nil) {
        self.backend = backend
        self.wallClock = wallClock
        self.host = host
        self.appends = PostgresGroupAppend(backend: backend, wallClock: wallClock)
        self.caches = StatusCaches(backend: backend)
    }

    /// The writes of `status`'s caches, each batched across pairs.
    struct StatusCaches: Sendable {
        let observations: PostgresWriteBatcher<PostgresBatchedWrites.Observation>
        let outcomes: PostgresWriteBatcher<PostgresBatchedWrites.Outcome>

        init(backend: PostgresBackend) {
            observations = PostgresWriteBatcher(backend: backend) { items, connection, logger in
                try await PostgresBatchedWrites.observations(items, on: connection, logger: logger)
            }
            outcomes = PostgresWriteBatcher(backend: backend) { items, connection, logger in
                try await PostgresBatchedWrites.outcomes(items, on: connection, logger: logger)
            }
        }
    }

    /// Appends in the next group transaction (see `PostgresGroupAppend`), the fence checked in it.
    @discardableResult
    public func append(_ events: [NewAuditEvent], fence: LeaseFence?) async throws -> [AuditEvent] {
        guard !events.isEmpty else { return [] }
        return try await appends.append(events.stampingHost(host), fence: fence)
    }

    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        let logger = backend.logger
        return try await backend.withConnection { connection in
            var rows: [AuditEvent] = []
            for try await row in try await connection.query(PostgresRows.select(query), logger: logger) {
                rows.append(try PostgresRows.raw(row).event)
            }
            return rows
        }
    }

    /// Runs `body` in one REPEATABLE READ transaction: a consistent snapshot of every host's
    /// appends, each question one statement on the transaction's connection, all within one
    /// operation deadline.
    public func read<T: Sendable>(
        _ body: @escaping @Sendable (any AuditLedgerReading) async throws -> T
    ) async throws -> T {
        let logger = backend.logger
        return try await backend.withTransaction { connection in
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(PostgresLedgerReader(source: .connection(connection), logger: logger))
        }
    }

    /// Batched with other pairs' (see `PostgresWriteBatcher`): a cache, written every pass.
    public func recordObservation(pair: String, _ observation: LiveObservation) async throws {
        try await caches.observations.submit(
            PostgresBatchedWrites.Observation(
                pair: pair, primary: observation.primary, standby: observation.standby,
                observedAt: AuditTimestamp.string(observation.observedAt)))
    }

    public func observations() async throws -> [String: LiveObservation] {
        let logger = backend.logger
        return try await backend.withConnection { connection in
            var result: [String: LiveObservation] = [:]
            for try await (pair, primary, standby, at) in try await connection.query(
                "SELECT pair, primary_status, standby_status, observed_at FROM observation", logger: logger
            ).decode((String, String?, String?, String).self) {
                result[pair] = LiveObservation(
                    primary: primary, standby: standby, observedAt: AuditTimestamp.dateOrEpoch(at))
            }
            return result
        }
    }

    /// Batched with other pairs' (see `PostgresWriteBatcher`): a cache, written every pass.
    public func recordPassOutcome(pair: String, _ outcome: PassOutcome) async throws {
        try await caches.outcomes.submit(
            PostgresBatchedWrites.Outcome(pair: pair, at: AuditTimestamp.string(outcome.at), problem: outcome.problem))
    }

    public func passOutcomes() async throws -> [String: PassOutcome] {
        let logger = backend.logger
        return try await backend.withConnection { connection in
            var result: [String: PassOutcome] = [:]
            for try await (pair, at, problem) in try await connection.query(
                "SELECT pair, at, problem FROM pass_outcome", logger: logger
            ).decode((String, String, String?).self) {
                result[pair] = PassOutcome(at: AuditTimestamp.dateOrEpoch(at), problem: problem)
            }
            return result
        }
    }

    public func schemaProblems() async throws -> [String] {
        let logger = backend.logger
        return try await backend.withConnection { try await PostgresSchema.problems($0, logger: logger) }
    }
}

/// The store's own answers: each question one statement on a pooled connection, no
/// transaction (a statement is its own snapshot), within the operation deadline.
extension PostgresAuditStore {
    private var ledger: PostgresLedgerReader { PostgresLedgerReader(source: .pool(backend), logger: backend.logger) }

    public func unsettledIntents(pair: String) async throws -> [AuditEvent] {
        try await ledger.unsettledIntents(pair: pair)
    }

    public func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) async throws -> AuditEvent? {
        try await ledger.latest(pair: pair, kinds: kinds, side: side, window: window, outcomes: outcomes)
    }

    /// Every pair asks it at a window's open.
    public func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) async throws -> Bool {
        try await ledger.hasEvent(pair: pair, window: window, kind: kind, detail: detail)
    }

    public func openWindowEdges(pair: String) async throws -> [AuditEvent] {
        try await ledger.openWindowEdges(pair: pair)
    }

    public func pairNames() async throws -> [String] {
        try await ledger.pairNames()
    }

    public func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) async throws -> AuditEvent? {
        try await ledger.latestUnpaired(kind: kind, atOrBefore: instant)
    }

    public func newestUnpaired(kind: AuditKind, host: String?) async throws -> AuditEvent? {
        try await ledger.newestUnpaired(kind: kind, host: host)
    }

    /// One statement (not a snapshot transaction of four round trips): what a pass reads of a pair.
    public func pairTrail(pair: String, latest questions: [LatestEventQuestion]) async throws -> PairTrailAnswers {
        try await ledger.pairTrail(pair: pair, latest: questions)
    }
}

/// Reading event rows: one column list, and rows as raw text (the form the verifier checks).
enum PostgresRows {
    static let columns =
        "id, recorded_at, prev_hash, hash, at, pass_id, pair, side, \"window\", kind, outcome, job_id, actor, reason, "
        + "detail, until, intent_id, host"

    static func select(_ query: AuditQuery) -> PostgresQuery {
        var sql = "SELECT \(columns) FROM event"
        var bindings = PostgresBindings()
        var clauses: [String] = []
        func bind(_ value: String) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        if let since = query.since { clauses.append("at >= \(bind(AuditTimestamp.string(since)))") }
        if let until = query.until { clauses.append("at < \(bind(AuditTimestamp.string(until)))") }
        if let pair = query.pair { clauses.append("pair = \(bind(pair))") }
        if let kinds = query.kinds {
            bindings.append(kinds.map(\.rawValue))
            clauses.append("kind = ANY($\(bindings.count))")
        }
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        return PostgresQuery(unsafeSQL: sql + " ORDER BY id", binds: bindings)
    }

    /// A row selected with `columns`, as stored text.
    static func raw(_ row: PostgresRow) throws -> AuditRawRow {
        let cells = row.makeRandomAccess()
        var fields: [String: String?] = [:]
        for column in AuditRow.hashedColumns {
            let text: String? =
                column.isInteger
                ? try cells[column.name].decode(Int64?.self).map(String.init)
                : try cells[column.name].decode(String?.self)
            fields.updateValue(text, forKey: column.name)
        }
        return AuditRawRow(
            id: try cells["id"].decode(Int64.self), recordedAt: try cells["recorded_at"].decode(String.self),
            fields: fields, previousHash: try cells["prev_hash"].decode(String.self),
            hash: try cells["hash"].decode(String.self))
    }
}

extension PostgresAuditStore {
    /// How many events the store holds.
    public func count() async throws -> Int64 {
        let logger = backend.logger
        return try await backend.withConnection { connection in
            try await connection.query("SELECT count(*) FROM event", logger: logger).collect().first.map {
                try $0.decode(Int64.self)
            } ?? 0
        }
    }

    /// Copies every row of a SQLite trail, verbatim (ids, times, hashes, hosts), into this
    /// store, which must be empty: one transaction, under the chain lock, so no host appends
    /// in between and a failure leaves the store empty. Returns the number of rows copied.
    public func importRows(from source: AuditStore, pageSize: Int = 2_000) async throws -> Int {
        let logger = backend.logger
        // A copy of a year's trail takes minutes, not one operation's timeout.
        return try await backend.withTransaction(within: .seconds(3600)) { [backend] connection in
            try await connection.run(
                "SELECT pg_advisory_xact_lock(\(PostgresSchema.chainLockKey))", logger: logger)
            let existing =
                try await connection.query("SELECT count(*) FROM event", logger: logger).collect()
                .first.map { try $0.decode(Int64.self) } ?? 0
            guard existing == 0 else { throw StoreNotEmpty(location: backend.location, count: existing) }
            var copied = 0
            var lastID: Int64 = 0
            while true {
                let page = try await source.rawRows(after: lastID, limit: pageSize)
                guard let last = page.last else { break }
                var start = page.startIndex
                while start < page.endIndex {
                    let end = min(start + Self.rowsPerImport, page.endIndex)
                    try await connection.run(Self.insert(raw: page[start..<end]), logger: logger)
                    start = end
                }
                copied += page.count
                lastID = last.id
            }
            return copied
        }
    }

    /// Rows per `INSERT` of `importRows`: a row binds 18 parameters, and a statement takes 65,535 at most.
    static let rowsPerImport = 2_000

    /// The text columns between `recorded_at` and `intent_id` in `insert(raw:)`'s column list, in its order.
    private static let importedText = [
        "pass_id", "pair", "side", "window", "kind", "outcome", "job_id", "actor", "reason", "detail", "until",
    ]

    /// One multi-row `INSERT` of `rows`, verbatim: each stored text bound as it was read, `intent_id` as a `BIGINT`.
    static func insert(raw rows: ArraySlice<AuditRawRow>) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: rows.count * 18)
        var values = ""
        values.reserveCapacity(rows.count * 120)
        for row in rows {
            let text = { (column: String) in row.fields[column] ?? nil }
            let first = bindings.count + 1
            bindings.append(row.id)
            bindings.append(text("at"))
            bindings.append(row.recordedAt)
            for column in Self.importedText { bindings.append(text(column)) }
            bindings.append(text("intent_id").flatMap { Int64($0) })
            bindings.append(text("host"))
            bindings.append(row.previousHash)
            bindings.append(row.hash)
            values += values.isEmpty ? "(" : ", ("
            values += (first...bindings.count).map { "$\($0)" }.joined(separator: ", ")
            values += ")"
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO event (id, at, recorded_at, pass_id, pair, side, "window", kind, outcome, job_id, actor,
                                   reason, detail, until, intent_id, host, prev_hash, hash)
                VALUES \(values)
                """, binds: bindings)
    }
}
