import Testing

@testable import SyncwindowAudit

@Suite("The group-commit queue")
struct BatchQueueTests {
    @Test("the first arrival drains; later ones wait until the queue runs dry")
    func oneDrainerAtATime() {
        let queue = BatchQueue<Int>()
        #expect(queue.enqueue(1), "a quiet queue: the caller drains")
        #expect(!queue.enqueue(2), "someone drains already")
        #expect(queue.nextBatch() == [1, 2])
        #expect(!queue.enqueue(3), "still draining until a batch comes back empty")
        #expect(queue.nextBatch() == [3])
        #expect(queue.nextBatch().isEmpty)
        #expect(queue.enqueue(4), "drained: the next arrival drains again")
    }

    @Test("a batch stops at the weight limit, in order, but always takes one")
    func weightLimit() {
        let queue = BatchQueue<Int>()
        for size in [1_500, 400, 300, 5_000, 10] { _ = queue.enqueue(size) }
        #expect(queue.nextBatch(limit: 2_000) { $0 } == [1_500, 400])
        #expect(queue.nextBatch(limit: 2_000) { $0 } == [300])
        #expect(queue.nextBatch(limit: 2_000) { $0 } == [5_000], "larger than the limit, alone")
        #expect(queue.nextBatch(limit: 2_000) { $0 } == [10])
        #expect(queue.nextBatch(limit: 2_000) { $0 }.isEmpty)
    }
}
