import Foundation

/// Every job the emulator created, with the indexes that keep a request's cost independent of how many came
/// before: by id (a dictionary), the running ones by the time they finish (a heap), and each project's by the
/// time they started (sorted, for the jobs list's time span). A year of nights is hundreds of thousands of jobs;
/// a request touches only the ones it is about.
struct EmulatorJobBook {
    /// In creation order; a job's position is its sequence number.
    private(set) var records: [EmulatorJobRecord] = []
    private var sequenceByID: [String: Int] = [:]
    /// Running jobs by (completion time, sequence): the order ``finishDue(at:)`` hands them out in.
    private var running = DueHeap()
    /// Per project, sequence numbers sorted by (creation time, sequence).
    private var byProject: [String: [Int]] = [:]
    /// Whether every job was created no earlier than the one before, so that time order is creation order. Only
    /// a clock that went back (or a state file from one) clears it.
    private var createdInOrder = true

    var count: Int { records.count }

    subscript(id: String) -> EmulatorJobRecord? {
        sequenceByID[id].map { records[$0] }
    }

    /// Adds a new job, or replaces the one with its id (a state file's later line). Returns its sequence number.
    @discardableResult
    mutating func insert(_ job: EmulatorJobRecord) -> Int {
        if let sequence = sequenceByID[job.id] {
            replace(sequence, with: job)
            return sequence
        }
        let sequence = records.count
        records.append(job)
        sequenceByID[job.id] = sequence
        if job.status == "Running" { running.push(job.completesAt, sequence) }
        indexByProject(sequence)
        return sequence
    }

    /// Finishes the running jobs due at `now`, earliest first: `finish` gets each and returns it as it should be
    /// kept. Returns the sequence numbers of the finished jobs.
    mutating func finishDue(at now: Date, _ finish: (EmulatorJobRecord) -> EmulatorJobRecord) -> [Int] {
        var finished: [Int] = []
        while let next = running.peek, next.due <= now {
            running.pop()
            // A job replaced after it was queued (state file replay) may have finished already.
            guard records[next.sequence].status == "Running", records[next.sequence].completesAt == next.due else {
                continue
            }
            records[next.sequence] = finish(records[next.sequence])
            finished.append(next.sequence)
        }
        return finished
    }

    /// The project's jobs, newest first (by creation), narrowed to those started in `start...end` when given,
    /// to the running ones when `runningOnly`, or to one id.
    func candidates(projectID: String, id: String?, start: Date?, end: Date?, runningOnly: Bool) -> [Int] {
        if let id {
            guard let sequence = sequenceByID[id], records[sequence].projectID == projectID else { return [] }
            return [sequence]
        }
        if runningOnly {
            return Set(running.sequences).filter {
                records[$0].projectID == projectID && records[$0].status == "Running"
            }
            .sorted(by: >)
        }
        let index = byProject[projectID] ?? []
        let lower = start.map { bound in partitionPoint(index) { records[$0].createdAt >= bound } } ?? 0
        let upper = end.map { bound in partitionPoint(index) { records[$0].createdAt > bound } } ?? index.count
        guard lower < upper else { return [] }
        let slice = index[lower..<upper]
        return createdInOrder ? slice.reversed() : slice.sorted(by: >)
    }

    private mutating func replace(_ sequence: Int, with job: EmulatorJobRecord) {
        let old = records[sequence]
        records[sequence] = job
        if job.status == "Running", old.status != "Running" || old.completesAt != job.completesAt {
            running.push(job.completesAt, sequence)
        }
        if old.createdAt != job.createdAt || old.projectID != job.projectID {
            byProject[old.projectID]?.removeAll { $0 == sequence }
            indexByProject(sequence)
        }
    }

    /// Appends in place (a copy of the index would cost every job ever made); inserts only after a clock went back.
    private mutating func indexByProject(_ sequence: Int) {
        let job = records[sequence]
        if let last = byProject[job.projectID]?.last, records[last].createdAt > job.createdAt || last > sequence {
            createdInOrder = false
            let at = partitionPoint(byProject[job.projectID]!) {
                (records[$0].createdAt, $0) > (job.createdAt, sequence)
            }
            byProject[job.projectID]!.insert(sequence, at: at)
        } else {
            byProject[job.projectID, default: []].append(sequence)
        }
    }

    /// The first position in `index` whose element satisfies `isAfter`, which is false and then true along it.
    private func partitionPoint(_ index: [Int], _ isAfter: (Int) -> Bool) -> Int {
        var low = 0
        var high = index.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(index[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// A binary min-heap of (due time, sequence number).
struct DueHeap {
    struct Entry {
        var due: Date
        var sequence: Int

        func precedes(_ other: Entry) -> Bool { (due, sequence) < (other.due, other.sequence) }
    }

    private var entries: [Entry] = []

    var peek: Entry? { entries.first }
    var sequences: [Int] { entries.map(\.sequence) }

    mutating func push(_ due: Date, _ sequence: Int) {
        entries.append(Entry(due: due, sequence: sequence))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() {
        guard !entries.isEmpty else { return }
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < entries.count, entries[left].precedes(entries[first]) { first = left }
            if right < entries.count, entries[right].precedes(entries[first]) { first = right }
            guard first != parent else { return }
            entries.swapAt(parent, first)
            parent = first
        }
    }
}
