/// `GET /v3/{project_id}/jobs` answer (SDK: `ListJobsResponse`).
public struct JobListResponse: Sendable, Equatable, Codable {
    public var jobs: [Job]
    public var totalCount: Int

    public init(jobs: [Job], totalCount: Int) {
        self.jobs = jobs
        self.totalCount = totalCount
    }

    enum CodingKeys: String, CodingKey {
        case jobs
        case totalCount = "total_count"
    }
}

/// One asynchronous task (SDK: `JobDetail`).
public struct Job: Sendable, Equatable, Codable {
    public var id: String
    public var name: String?
    /// `Running`, `Completed` or `Failed`; see ``state``.
    public var status: String
    /// Like `2026-11-29T10:00:00+0800`.
    public var startTime: String?
    public var endTime: String?
    /// Like `"60%"`, only while running.
    public var progress: String?
    public var instance: JobInstance?
    public var failReason: String?

    public init(
        id: String, name: String? = nil, status: String, startTime: String? = nil, endTime: String? = nil,
        progress: String? = nil, instance: JobInstance? = nil, failReason: String? = nil
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.progress = progress
        self.instance = instance
        self.failReason = failReason
    }

    public var state: JobState { JobState(rawValue: status) }

    enum CodingKeys: String, CodingKey {
        case id, name, status
        case startTime = "start_time"
        case endTime = "end_time"
        case progress, instance
        case failReason = "fail_reason"
    }
}

/// `instance` of a job (SDK: `JobInstanceInfo`).
public struct JobInstance: Sendable, Equatable, Codable {
    public var id: String
    public var name: String?

    public init(id: String, name: String? = nil) {
        self.id = id
        self.name = name
    }
}

/// A job's status, typed.
public enum JobState: Sendable, Hashable, CustomStringConvertible {
    case running
    case completed
    case failed
    case unknown(String)

    public init(rawValue: String) {
        switch rawValue {
        case "Running": self = .running
        case "Completed": self = .completed
        case "Failed": self = .failed
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .running: "Running"
        case .completed: "Completed"
        case .failed: "Failed"
        case .unknown(let raw): raw
        }
    }

    public var description: String { rawValue }

    /// Completed or failed: it will not change any more.
    public var isFinished: Bool { self == .completed || self == .failed }
}
