/// The last `capacity` entries of the request log, in a ring: appending to a full log overwrites the oldest entry
/// in place instead of shifting thousands of them.
struct RequestLog {
    let capacity: Int
    private var storage: [EmulatorRequestLogEntry] = []
    /// Where the oldest entry sits once the ring is full (and the next append goes).
    private var head = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { storage.count }

    mutating func append(_ entry: EmulatorRequestLogEntry) {
        if storage.count < capacity {
            storage.append(entry)
        } else {
            storage[head] = entry
            head = (head + 1) % capacity
        }
    }

    mutating func removeAll() {
        storage.removeAll()
        head = 0
    }

    /// Oldest first.
    var entries: [EmulatorRequestLogEntry] {
        Array(storage[head...] + storage[..<head])
    }
}
