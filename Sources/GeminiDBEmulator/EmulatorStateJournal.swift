import Foundation

/// The `--state FILE`: JSON lines, each an ``EmulatorStateSnapshot``. The first line is the whole state; each
/// later one holds what one change touched (the instances and jobs as they now are, and the pairs whose resume
/// has started). Loading replays the lines in order. So a change appends what it touched, not the whole history
/// of jobs, and a year of nights costs each request what it cost on the first.
///
/// The first change after a start rewrites the file as one line (temporary file, then rename: a crash never
/// leaves half a state). An append is one `write`: a process killed mid-way leaves the earlier lines whole, and a
/// torn last line (power loss) is dropped on load. The earlier format, one pretty-printed snapshot, still loads.
final class EmulatorStateJournal {
    let path: String
    private var handle: FileHandle?

    init(path: String) {
        self.path = path
    }

    deinit {
        try? handle?.close()
    }

    /// The state the file holds, nil if there is no file.
    static func load(path: String) throws -> EmulatorStateSnapshot? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        if let whole = try? decoder.decode(EmulatorStateSnapshot.self, from: data) { return whole }
        let lines = data.split(separator: UInt8(ascii: "\n"))
        var replay = EmulatorStateReplay()
        for (number, line) in lines.enumerated() {
            let change: EmulatorStateSnapshot
            do {
                change = try decoder.decode(EmulatorStateSnapshot.self, from: Data(line))
            } catch {
                // Only the last line can be torn; anything else is a damaged file.
                if number == lines.count - 1, replay.state != nil { break }
                throw error
            }
            replay.apply(change)
        }
        return replay.state
    }

    /// Rewrites the file as `state`, one line, and appends to it from now on.
    func start(with state: EmulatorStateSnapshot) throws {
        try? handle?.close()
        handle = nil
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        try Self.line(state).write(to: temp)
        if rename(temp.path, url.path) != 0 {
            throw CocoaError(.fileWriteUnknown)
        }
        let opened = try FileHandle(forWritingTo: url)
        try opened.seekToEnd()
        handle = opened
    }

    var isStarted: Bool { handle != nil }

    /// Appends one change.
    func append(_ change: EmulatorStateSnapshot) throws {
        guard let handle else { throw CocoaError(.fileWriteUnknown) }
        try handle.write(contentsOf: Self.line(change))
    }

    static func line(_ state: EmulatorStateSnapshot) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(state)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// Replays journal lines: instances and jobs replaced by key (new jobs last, in the order they appear), the
/// resumes started replaced.
struct EmulatorStateReplay {
    private var merged = EmulatorStateSnapshot(instances: [], jobs: [], resumeStarted: [])
    private var lines = 0
    private var instanceAt: [String: Int] = [:]
    private var jobAt: [String: Int] = [:]

    /// Nil until a line was applied.
    var state: EmulatorStateSnapshot? { lines == 0 ? nil : merged }

    /// Mutates in place: a copy per line would make loading a year's journal quadratic.
    mutating func apply(_ change: EmulatorStateSnapshot) {
        lines += 1
        for instance in change.instances {
            if let at = instanceAt[instance.key] {
                merged.instances[at] = instance
            } else {
                instanceAt[instance.key] = merged.instances.count
                merged.instances.append(instance)
            }
        }
        for job in change.jobs {
            if let at = jobAt[job.id] {
                merged.jobs[at] = job
            } else {
                jobAt[job.id] = merged.jobs.count
                merged.jobs.append(job)
            }
        }
        merged.resumeStarted = change.resumeStarted
    }
}
