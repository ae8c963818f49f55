import Logging
import PostgresNIO
import SyncwindowAudit

/// Writes of one shape that arrive together go to the database as one statement: while a
/// batch is being written, new writes queue, and the next statement carries all of them.
/// A write returns once the statement holding it has run (autocommit: it is committed), and
/// a failure reaches every write in that statement. The first write of a quiet moment goes
/// out at once, alone: batching costs no latency, it only stops a thousand pairs ending
/// their passes together from taking a thousand round trips.
///
/// For the per-pair writes every pass makes and nobody waits on for a decision: the status
/// caches and giving a lease back. Statements that lock rows lock them in pair order, as
/// every batch does, so batches of different hosts never wait on each other in a circle.
final class PostgresWriteBatcher<Item: Sendable>: Sendable {
    typealias Write = @Sendable ([Item], PostgresConnection, Logger) async throws -> Void

    private struct Pending: Sendable {
        var item: Item
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let queue = BatchQueue<Pending>()
    private let backend: PostgresBackend
    private let maximumBatch: Int
    private let write: Write

    init(backend: PostgresBackend, maximumBatch: Int = 1_000, write: @escaping Write) {
        self.backend = backend
        self.maximumBatch = maximumBatch
        self.write = write
    }

    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { continuation in
            queue.submit(Pending(item: item, continuation: continuation), limit: maximumBatch) { await self.run($0) }
        }
    }

    /// One statement for the batch; its outcome is every write's.
    private func run(_ batch: [Pending]) async {
        let items = batch.map(\.item)
        let (write, logger) = (self.write, backend.logger)
        do {
            try await backend.withConnection { connection in try await write(items, connection, logger) }
            for pending in batch { pending.continuation.resume() }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: error) }
        }
    }
}

/// The batched forms of the per-pair writes, one statement each (arrays in, `unnest` out).
enum PostgresBatchedWrites {
    struct Observation: Sendable {
        var pair: String
        var primary: String?
        var standby: String?
        var observedAt: String
    }

    struct Outcome: Sendable {
        var pair: String
        var at: String
        var problem: String?
    }

    struct Release: Sendable {
        var pair: String
        var holder: String
        var token: Int64
    }

    /// One row per pair (the last written wins, as one statement may not update a row twice),
    /// in pair order.
    static func lastPerPair<T>(_ items: [T], pair: (T) -> String) -> [T] {
        var latest: [String: T] = [:]
        for item in items { latest[pair(item)] = item }
        return latest.keys.sorted().map { latest[$0]! }
    }

    static func observations(_ items: [Observation], on connection: PostgresConnection, logger: Logger) async throws {
        let rows = lastPerPair(items, pair: \.pair)
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(rows.map(\.pair))
        bindings.append(rows.map { $0.primary ?? "" })
        bindings.append(rows.map { $0.primary != nil })
        bindings.append(rows.map { $0.standby ?? "" })
        bindings.append(rows.map { $0.standby != nil })
        bindings.append(rows.map(\.observedAt))
        try await connection.run(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO observation (pair, primary_status, standby_status, observed_at)
                    SELECT pair, CASE WHEN has_primary THEN primary_status END,
                           CASE WHEN has_standby THEN standby_status END, observed_at
                    FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::bool[], $6::text[])
                        AS row(pair, primary_status, has_primary, standby_status, has_standby, observed_at)
                    ORDER BY pair
                    ON CONFLICT (pair) DO UPDATE SET primary_status = EXCLUDED.primary_status,
                        standby_status = EXCLUDED.standby_status, observed_at = EXCLUDED.observed_at
                    """, binds: bindings), logger: logger)
    }

    static func outcomes(_ items: [Outcome], on connection: PostgresConnection, logger: Logger) async throws {
        let rows = lastPerPair(items, pair: \.pair)
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(rows.map(\.pair))
        bindings.append(rows.map(\.at))
        bindings.append(rows.map { $0.problem ?? "" })
        bindings.append(rows.map { $0.problem != nil })
        try await connection.run(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO pass_outcome (pair, at, problem)
                    SELECT pair, at, CASE WHEN has_problem THEN problem END
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS row(pair, at, problem, has_problem)
                    ORDER BY pair
                    ON CONFLICT (pair) DO UPDATE SET at = EXCLUDED.at, problem = EXCLUDED.problem
                    """, binds: bindings), logger: logger)
    }

    /// Ends the leases still held with these tokens; lease rows locked in pair order first.
    static func releases(_ items: [Release], on connection: PostgresConnection, logger: Logger) async throws {
        let rows = items.sorted { $0.pair < $1.pair }
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(rows.map(\.pair))
        bindings.append(rows.map(\.holder))
        bindings.append(rows.map(\.token))
        try await connection.run(
            PostgresQuery(
                unsafeSQL: """
                    WITH mine AS (
                        SELECT lease.pair FROM pair_lease AS lease
                        JOIN unnest($1::text[], $2::text[], $3::int8[]) AS released(pair, holder, token)
                          ON lease.pair = released.pair AND lease.holder = released.holder
                         AND lease.token = released.token
                        WHERE lease.expires_at > clock_timestamp()
                        ORDER BY lease.pair FOR UPDATE OF lease)
                    UPDATE pair_lease SET expires_at = clock_timestamp() FROM mine
                    WHERE pair_lease.pair = mine.pair AND pair_lease.expires_at > clock_timestamp()
                    """, binds: bindings), logger: logger)
    }
}
