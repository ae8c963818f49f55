import Synchronization

/// The queue behind group commit (`GroupCommit` for SQLite; `PostgresGroupAppend` and
/// `PostgresWriteBatcher` for PostgreSQL): work that arrives while a batch is being written
/// waits, and goes out in the next batch. The first arrival of a quiet moment becomes the
/// drainer — it writes batches until the queue is empty — so a lone write goes out at once,
/// and a thousand that arrive together take a few batches instead of a thousand writes.
package final class BatchQueue<Element: Sendable>: Sendable {
    private struct State: Sendable {
        var queue: [Element] = []
        /// Someone is writing batches: new arrivals only wait for theirs.
        var draining = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Queues `element`. True when the caller must start draining: no one else is.
    package func enqueue(_ element: Element) -> Bool {
        state.withLock { state in
            state.queue.append(element)
            defer { state.draining = true }
            return !state.draining
        }
    }

    /// The next batch, oldest first: at least one element, then more while their total
    /// `weight` stays within `limit`. Empty when nothing waits, and then draining is over.
    package func nextBatch(limit: Int = .max, weight: (Element) -> Int = { _ in 1 }) -> [Element] {
        state.withLock { state in
            var taken = 0
            var total = 0
            for element in state.queue {
                let next = weight(element)
                guard taken == 0 || total + next <= limit else { break }
                taken += 1
                total += next
            }
            let batch = Array(state.queue.prefix(taken))
            state.queue.removeFirst(taken)
            if batch.isEmpty { state.draining = false }
            return batch
        }
    }

    /// Queues `element`; when no one is draining, starts the drainer: a task that hands each
    /// `nextBatch(limit:weight:)` to `commit` until one comes back empty.
    package func submit(
        _ element: Element, limit: Int = .max, weight: @escaping @Sendable (Element) -> Int = { _ in 1 },
        commit: @escaping @Sendable ([Element]) async -> Void
    ) {
        guard enqueue(element) else { return }
        // Owner: the queue, on behalf of every submitter whose element it holds. Each submitter awaits
        // its own element's result (`commit` resumes it), so no batch is written after all who asked
        // for it have gone; the drainer ends when the queue is empty. It is not the first submitter's
        // child so that submitter may return once its own element is written.
        Task {
            while true {
                let batch = nextBatch(limit: limit, weight: weight)
                if batch.isEmpty { return }
                await commit(batch)
            }
        }
    }
}
