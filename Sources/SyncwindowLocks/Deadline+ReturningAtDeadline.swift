import Synchronization

extension Deadline {
    /// Like ``race(_:on:_:)``, but returns at the deadline even when the cancelled operation has
    /// not ended yet: it is cancelled and left to end on its own, not waited for.
    ///
    /// For operations whose cancellation may not end them — PostgreSQL's, where a pooled
    /// connection's lease or a statement on the wire can outlive its task's cancellation in
    /// postgres-nio 1.33.2 — so that a pass or a command's shutdown is never held past its
    /// deadline. Where an operation honours cancellation, use the structured ``race(_:on:_:)``.
    public static func raceReturningAtDeadline<C: Clock, T: Sendable>(
        _ limit: Duration, on clock: C, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T? where C.Duration == Duration {
        try await race(limit, on: clock) { try await leavingOnCancel(operation) }
    }

    /// Runs `operation` in a task of its own and returns its answer, or throws
    /// `CancellationError` as soon as the caller is cancelled — cancelling the operation but not
    /// waiting for it to end.
    static func leavingOnCancel<T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let answer = ResumeOnce<T>()
        // Owner: this call, which cancels the task when its caller is cancelled. Unstructured only
        // so that the call can return before the task ends; a task left so ends with its operation.
        let task = Task {
            do { answer.resume(with: .success(try await operation())) } catch {
                answer.resume(with: .failure(error))
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in answer.wait(continuation) }
        } onCancel: {
            task.cancel()
            answer.resume(with: .failure(CancellationError()))
        }
    }
}

/// One answer handed to one waiting continuation, whichever comes first; later answers are dropped.
final class ResumeOnce<T: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<T, any Error>)
        case answered(Result<T, any Error>)
        case done
    }

    private let state = Mutex(State.empty)

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            guard case .answered(let result) = state else {
                state = .waiting(continuation)
                return nil
            }
            state = .done
            return result
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(with result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = state.withLock { state in
            switch state {
            case .empty:
                state = .answered(result)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .answered, .done:
                return nil
            }
        }
        waiting?.resume(with: result)
    }
}
