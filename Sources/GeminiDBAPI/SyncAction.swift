/// The `action` of the data-synchronization POST.
public enum SyncAction: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case pause
    case resume

    public var description: String { rawValue }
}

/// Body of `POST /v3/{project_id}/instances/{instance_id}/disaster-recovery/data-synchronization`.
public struct DataSyncActionRequest: Sendable, Equatable, Codable {
    public var action: String

    public init(action: SyncAction) { self.action = action.rawValue }
    public init(rawAction: String) { self.action = rawAction }
}

/// The 202 answer of the data-synchronization POST.
public struct JobIDResponse: Sendable, Equatable, Codable {
    public var jobID: String

    public init(jobID: String) { self.jobID = jobID }

    enum CodingKeys: String, CodingKey { case jobID = "job_id" }
}
