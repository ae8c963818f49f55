/// A counting semaphore for async code: at most `limit` holders at once, waiters served first come first served.
public actor AsyncSemaphore {
    private var available: Int
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    public init(limit: Int) { available = max(1, limit) }

    /// Waits for a permit. Throws `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        if available > 0 {
            available -= 1
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            // Owner: this semaphore. The cancellation handler is synchronous and may run on any thread,
            // so it hops onto the actor to drop the waiter; the task does that one step and ends.
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Gives a permit back, handing it to the longest waiter if any.
    public func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    /// Runs `body` holding a permit.
    public func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func cancelWaiter(_ id: UInt64) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }
}
