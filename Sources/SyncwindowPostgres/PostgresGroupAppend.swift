import Foundation
import Logging
import PostgresNIO
import SyncwindowAudit
import SyncwindowLocks

/// Group commit for PostgreSQL appends, as `GroupCommit` is for SQLite's: appends that arrive
/// while a transaction is committing wait, then share the next one — one transaction, one
/// fence check, one turn of the chain lock and one INSERT for all of them, instead of six
/// round trips each, one after another behind the chain lock. At the edge where a thousand
/// pairs record their intents at once, that is the difference between 12 s and a few.
///
/// Nothing is weakened. An append returns only after the transaction holding it has
/// committed (an intent is durable before its POST leaves). Each append's fence is checked
/// in that transaction, with `FOR SHARE` on its lease row, before any row is written: an
/// append whose lease was taken over gets `AuditStoreError.fenced` and writes nothing, while
/// the others in the batch go on. Appends take their ids in the order they arrived, each
/// append's events contiguous, so the chain stays one line. A failure of the transaction as
/// a whole (the database gone, a deadline) reaches every append in it.
final class PostgresGroupAppend: Sendable {
    private struct Pending: Sendable {
        var events: [NewAuditEvent]
        var fence: LeaseFence?
        var continuation: CheckedContinuation<[AuditEvent], any Error>
    }

    /// Events per transaction at most: bounds a transaction's time under the chain lock (and
    /// a statement's parameters: PostgreSQL takes 65,535, a row binds 18).
    static let maximumEventsPerTransaction = 2_000
    static let rowsPerInsert = 1_000

    private let queue = BatchQueue<Pending>()
    private let backend: PostgresBackend
    private let wallClock: @Sendable () -> Date

    init(backend: PostgresBackend, wallClock: @escaping @Sendable () -> Date) {
        self.backend = backend
        self.wallClock = wallClock
    }

    /// Appends `events` (already stamped with their host) in the next group transaction.
    func append(_ events: [NewAuditEvent], fence: LeaseFence?) async throws -> [AuditEvent] {
        try await withCheckedThrowingContinuation { continuation in
            // At least one append per batch, however large; then up to the bound.
            queue.submit(
                Pending(events: events, fence: fence, continuation: continuation),
                limit: Self.maximumEventsPerTransaction, weight: { $0.events.count }
            ) { await self.commit($0) }
        }
    }

    private func commit(_ batch: [Pending]) async {
        let requests = batch.map { ($0.events, $0.fence) }
        let recordedAt = wallClock()
        let logger = backend.logger
        let outcomes: [Result<[AuditEvent], any Error>]
        do {
            outcomes = try await backend.withTransaction { connection in
                try await Self.write(requests, recordedAt: recordedAt, on: connection, logger: logger)
            }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(with: outcome) }
    }

    /// One transaction's work: the fences, the chain lock and head, the rows.
    static func write(
        _ requests: [(events: [NewAuditEvent], fence: LeaseFence?)], recordedAt: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [Result<[AuditEvent], any Error>] {
        let refusals = try await checkFences(requests.compactMap(\.fence), on: connection, logger: logger)
        try await connection.run("SELECT pg_advisory_xact_lock(\(PostgresSchema.chainLockKey))", logger: logger)
        let head = try await connection.query(
            "SELECT id, hash FROM event ORDER BY id DESC LIMIT 1", logger: logger
        ).collect().first.map { try $0.decode((Int64, String).self) }
        var (previousID, previousHash) = head ?? (0, AuditChain.genesis)
        var outcomes: [Result<[AuditEvent], any Error>] = []
        var rows: [(row: AuditRow, previousHash: String, hash: String)] = []
        for (events, fence) in requests {
            if let fence, let refusal = refusals[fence] {
                outcomes.append(.failure(refusal))
                continue
            }
            var stored: [AuditEvent] = []
            for event in events {
                let id = previousID + 1
                let row = AuditRow(id: id, recordedAt: recordedAt, event: event)
                let hash = AuditChain.hash(
                    id: id, recordedAt: row.recordedAtText, fields: row.hashedFields, previousHash: previousHash)
                rows.append((row, previousHash, hash))
                stored.append(
                    AuditEvent(id: id, recordedAt: recordedAt, event: event, previousHash: previousHash, hash: hash))
                (previousID, previousHash) = (id, hash)
            }
            outcomes.append(.success(stored))
        }
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(start + rowsPerInsert, rows.count)]
            try await connection.run(insert(chunk), logger: logger)
            start += chunk.count
        }
        return outcomes
    }

    /// The fences that no longer hold, each with its refusal. `FOR SHARE` holds off a
    /// takeover until the transaction ends, so an append is either before the takeover (and
    /// the new holder sees it) or refused.
    static func checkFences(_ fences: [LeaseFence], on connection: PostgresConnection, logger: Logger) async throws
        -> [LeaseFence: AuditStoreError]
    {
        guard !fences.isEmpty else { return [:] }
        let pairs = Array(Set(fences.map(\.pair))).sorted()
        var leases: [String: (holder: String, host: String, token: Int64, alive: Bool)] = [:]
        // Rows locked in pair order, as every batch locks them: no two batches wait on each other.
        for try await (pair, holder, host, token, alive) in try await connection.query(
            """
            SELECT pair, holder, host, token, expires_at > clock_timestamp() FROM pair_lease
            WHERE pair = ANY(\(pairs)) ORDER BY pair FOR SHARE
            """, logger: logger
        ).decode((String, String, String, Int64, Bool).self) {
            leases[pair] = (holder, host, token, alive)
        }
        var refusals: [LeaseFence: AuditStoreError] = [:]
        for fence in fences {
            guard let lease = leases[fence.pair] else {
                refusals[fence] = .fenced(pair: fence.pair, reason: "the pair has no lease")
                continue
            }
            if lease.holder != fence.holder || lease.token != fence.token {
                refusals[fence] = .fenced(
                    pair: fence.pair,
                    reason: "host \(lease.host) holds lease \(lease.token); this host held lease \(fence.token)")
            } else if !lease.alive {
                refusals[fence] = .fenced(pair: fence.pair, reason: "lease \(lease.token) expired before this append")
            }
        }
        return refusals
    }

    /// One INSERT of many rows, every value a parameter.
    static func insert(_ rows: ArraySlice<(row: AuditRow, previousHash: String, hash: String)>) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: rows.count * 18)
        var values: [String] = []
        values.reserveCapacity(rows.count)
        for (row, previousHash, hash) in rows {
            let event = row.event
            let first = bindings.count + 1
            bindings.append(row.id)
            bindings.append(AuditTimestamp.string(event.at))
            bindings.append(row.recordedAtText)
            bindings.append(event.passID)
            bindings.append(event.pair)
            bindings.append(event.side?.rawValue)
            bindings.append(event.window)
            bindings.append(event.kind.rawValue)
            bindings.append(event.outcome)
            bindings.append(event.jobID)
            bindings.append(event.actor)
            bindings.append(event.reason)
            bindings.append(event.detail)
            bindings.append(event.until.map(AuditTimestamp.string))
            bindings.append(event.intentID)
            bindings.append(event.host)
            bindings.append(previousHash)
            bindings.append(hash)
            values.append("(" + (first..<bindings.count + 1).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO event (id, at, recorded_at, pass_id, pair, side, "window", kind, outcome, job_id, actor,
                                   reason, detail, until, intent_id, host, prev_hash, hash)
                VALUES \(values.joined(separator: ", "))
                """, binds: bindings)
    }
}
