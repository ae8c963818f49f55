import GRDB

/// Group commit for the SQLite writer: writes that arrive while another transaction is
/// committing wait, and then share the next transaction — one fsync (`synchronous = FULL`)
/// for all of them instead of one each. At the edge where a thousand pairs record their
/// intents, outcomes and observations at once, that is the difference between thousands of
/// fsyncs and a few dozen.
///
/// Nothing is weakened: a write returns only after the transaction holding it has
/// committed (an intent is on disk before its POST leaves), each write runs in its own
/// savepoint (one that throws is rolled back alone and gets its own error; the others
/// commit), and writes run in the order they arrived, each seeing the ones before it (the
/// hash chain stays linear). A failure of the transaction as a whole — busy, I/O — reaches
/// every write in it.
final class GroupCommit: Sendable {
    typealias Work = @Sendable (Database) throws -> any Sendable

    private struct Pending: Sendable {
        var work: Work
        var continuation: CheckedContinuation<any Sendable, any Error>
    }

    private let queue = BatchQueue<Pending>()
    private let database: any DatabaseWriter

    init(_ database: any DatabaseWriter) {
        self.database = database
    }

    /// Runs `work` in the next group transaction and returns its result once that has committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { continuation in
            queue.submit(Pending(work: { try work($0) }, continuation: continuation)) { await self.commit($0) }
        }
        return result as! T
    }

    private func commit(_ batch: [Pending]) async {
        let outcomes: [Result<any Sendable, any Error>]
        do {
            outcomes = try await database.writeWithoutTransaction { db in
                var outcomes: [Result<any Sendable, any Error>] = []
                do {
                    try db.inTransaction(.immediate) {
                        for pending in batch {
                            var value: (any Sendable)?
                            do {
                                try db.inSavepoint {
                                    value = try pending.work(db)
                                    return .commit
                                }
                                outcomes.append(.success(value!))
                            } catch {
                                outcomes.append(.failure(error))
                            }
                        }
                        return .commit
                    }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_ABORT {
                    // SQLite rolls the whole transaction back on some errors of a write (a full
                    // disk, an I/O error), and the commit then only says "aborted": the write's
                    // own error is the cause, and what every write in the batch should hear.
                    throw outcomes.lazy.compactMap(Self.databaseFailure).first ?? error
                }
                return outcomes
            }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(with: outcome) }
    }

    private static func databaseFailure(_ outcome: Result<any Sendable, any Error>) -> DatabaseError? {
        guard case .failure(let error as DatabaseError) = outcome, error.resultCode != .SQLITE_ABORT else { return nil }
        return error
    }
}
