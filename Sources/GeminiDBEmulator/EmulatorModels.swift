import Foundation
import GeminiDBAPI

/// One API request as the emulator sees it, independent of the HTTP server.
public struct EmulatorRequest: Sendable {
    public var method: String
    /// Raw request target: path, then `?query` if any.
    public var target: String
    /// Header values by lower-case name, `host` included.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, target: String, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    var path: Substring { target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
    var rawQuery: Substring? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: mark)...]
    }
    var query: [QueryItem] { rawQuery.map(AKSKSigner.parseQuery) ?? [] }
    func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
    /// Decoded path segments, without the leading empty one.
    var segments: [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map { PercentEncoding.decode(String($0)) }
    }
}

/// The emulator's answer.
public struct EmulatorResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeaderField]
    public var body: [UInt8]
    /// Close the connection instead of answering.
    public var drop: Bool

    public init(status: Int, headers: [HTTPHeaderField] = [], body: [UInt8] = [], drop: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.drop = drop
    }

    static func json<T: Encodable>(_ status: Int, _ value: T, headers: [HTTPHeaderField] = []) -> EmulatorResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let body = (try? encoder.encode(value)).map(Array.init) ?? []
        return EmulatorResponse(
            status: status, headers: headers + [HTTPHeaderField("Content-Type", "application/json")], body: body)
    }

    static func error(_ status: Int, _ code: String, _ message: String, requestID: String? = nil) -> EmulatorResponse {
        json(status, APIErrorBody(errorCode: code, errorMessage: message, requestID: requestID))
    }
}

/// One line of the request log (`GET /_emulator/requests`). Never holds credentials.
public struct EmulatorRequestLogEntry: Sendable, Equatable, Codable {
    public var method: String
    public var path: String
    public var query: String?
    /// nil when the connection was dropped before an answer.
    public var status: Int?
    /// `aksk`, `token`, `password` (IAM), `in-process` (``InMemoryGeminiDB``, no credentials) or `none`.
    public var auth: String
    public var time: Date
    public var requestID: String
    public var dropped: Bool

    enum CodingKeys: String, CodingKey {
        case method, path, query, status, auth, time
        case requestID = "request_id"
        case dropped
    }
}

/// One served instance.
public struct EmulatorInstanceState: Sendable, Equatable, Codable {
    public var projectID: String
    public var instanceID: String
    public var region: String
    public var name: String
    public var pair: String
    /// `master` (the pair's primary) or `slave`.
    public var role: String
    public var peerProjectID: String
    public var peerInstanceID: String
    /// The data-synchronization status string.
    public var status: String
    /// This instance's own call in the pair's unsettled pause or resume (``pendingAction``): its job, kept until
    /// the pair settles; nil before this side was called, or once its job failed.
    public var currentJobID: String?
    /// `pause` or `resume` while the pair's two-sided transition is unsettled: set on both instances by the first
    /// call (the other then reads SUSPENDING or RECOVERYING without having been called), cleared when the pair
    /// settles. Nil in older state files: no transition under way.
    public var pendingAction: String?

    enum CodingKeys: String, CodingKey {
        case projectID = "project_id"
        case instanceID = "instance_id"
        case region, name, pair, role
        case peerProjectID = "peer_project_id"
        case peerInstanceID = "peer_instance_id"
        case status
        case currentJobID = "current_job_id"
        case pendingAction = "pending_action"
    }

    var key: String { "\(projectID)/\(instanceID)" }
    var peerKey: String { "\(peerProjectID)/\(peerInstanceID)" }
}

/// One pause/resume job.
public struct EmulatorJobRecord: Sendable, Equatable, Codable {
    public var id: String
    public var projectID: String
    public var instanceID: String
    public var instanceName: String
    public var name: String
    public var action: String
    /// `Running`, `Completed` or `Failed`.
    public var status: String
    public var createdAt: Date
    public var completesAt: Date
    public var visibleAt: Date
    public var willFail: Bool
    public var previousStatus: String
    public var failReason: String?
    public var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case projectID = "project_id"
        case instanceID = "instance_id"
        case instanceName = "instance_name"
        case name, action, status
        case createdAt = "created_at"
        case completesAt = "completes_at"
        case visibleAt = "visible_at"
        case willFail = "will_fail"
        case previousStatus = "previous_status"
        case failReason = "fail_reason"
        case finishedAt = "finished_at"
    }

    var wire: Job {
        Job(
            id: id, name: name, status: status, startTime: WireTime.jobTime(createdAt),
            endTime: finishedAt.map(WireTime.jobTime), progress: status == "Running" ? "50%" : nil,
            instance: JobInstance(id: instanceID, name: instanceName), failReason: failReason)
    }
}

/// Everything `GET /_emulator/state` shows and `--state FILE` keeps.
public struct EmulatorStateSnapshot: Sendable, Equatable, Codable {
    public var instances: [EmulatorInstanceState]
    public var jobs: [EmulatorJobRecord]
    /// Pairs on which the first of the two resume calls was accepted and the resume has not settled (derived from
    /// the instances' ``EmulatorInstanceState/pendingAction``; kept for readers of the state document).
    public var resumeStarted: [String]

    enum CodingKeys: String, CodingKey {
        case instances, jobs
        case resumeStarted = "resume_started"
    }
}
