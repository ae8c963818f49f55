extension Deadline {
    /// Runs `operation` against a sleep of `limit` on `clock`, as two child tasks of one group:
    /// whichever ends first wins and the other is cancelled. Nil when the deadline came first.
    ///
    /// Structured: when this returns, the operation has ended too (the group waits for it). So
    /// an operation must end promptly once cancelled, even one blocked on I/O; for one that may
    /// not (PostgreSQL's), ``raceReturningAtDeadline(_:on:_:)`` returns at the deadline anyway.
    public static func race<C: Clock, T: Sendable>(
        _ limit: Duration, on clock: C, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T? where C.Duration == Duration {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await clock.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return nil }
            return first
        }
    }
}
