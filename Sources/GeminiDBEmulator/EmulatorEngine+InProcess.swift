import Foundation
import GeminiDBAPI

extension EmulatorEngine {
    /// One API call made inside the process, as ``InMemoryGeminiDB`` makes them.
    enum InProcessCall: Sendable {
        case syncStatus(InstanceRef)
        case setDataSync(SyncAction, InstanceRef)
        case job(id: String, InstanceRef)
        case jobs(JobQuery, offset: Int, limit: Int, InstanceRef)
        case instance(InstanceRef)
    }

    /// Answers `call` as ``route(_:requestID:)`` answers the same HTTP request once its credentials pass: due jobs
    /// finish first, then the same data-sync, job or instance function runs, and the request log gets a line
    /// (auth `in-process`). The admission faults (latency, drops, 429, 500) belong to HTTP and are not applied.
    /// One actor turn, so no other call can slip between the lazy advance and the answer.
    func answer(_ call: InProcessCall) -> EmulatorResponse {
        let request = call.request
        let requestID = newRequestID()
        advance()
        var response: EmulatorResponse
        switch call {
        case .syncStatus(let ref):
            response = dataSyncStatus(projectID: ref.projectID, instanceID: ref.instanceID)
        case .setDataSync(_, let ref):
            response = setDataSync(request, projectID: ref.projectID, instanceID: ref.instanceID)
        case .job(_, let ref), .jobs(_, _, _, let ref):
            response = listJobs(request, projectID: ref.projectID)
        case .instance(let ref):
            response = listInstances(request, projectID: ref.projectID)
        }
        response.headers.append(HTTPHeaderField("X-Request-Id", requestID))
        record(request, requestID: requestID, status: response.status, auth: "in-process", dropped: false)
        return response
    }
}

extension EmulatorEngine.InProcessCall {
    /// The request `GeminiDBClient` sends for this call, without credentials: the engine functions that read a
    /// body or a query, and the request log, see the same thing on both paths.
    var request: EmulatorRequest {
        switch self {
        case .syncStatus(let ref):
            EmulatorRequest(method: "GET", target: Self.dataSyncPath(ref), headers: [:], body: [])
        case .setDataSync(let action, let ref):
            EmulatorRequest(
                method: "POST", target: Self.dataSyncPath(ref), headers: [:],
                body: Array(try! JSONEncoder().encode(DataSyncActionRequest(action: action))))
        case .job(let id, let ref):
            EmulatorRequest(
                method: "GET", target: Self.projectPath(ref, "jobs", query: [QueryItem("id", id)]), headers: [:],
                body: [])
        case .jobs(let query, let offset, let limit, let ref):
            EmulatorRequest(
                method: "GET", target: Self.projectPath(ref, "jobs", query: query.items(offset: offset, limit: limit)),
                headers: [:], body: [])
        case .instance(let ref):
            EmulatorRequest(
                method: "GET", target: Self.projectPath(ref, "instances", query: [QueryItem("id", ref.instanceID)]),
                headers: [:], body: [])
        }
    }

    static func dataSyncPath(_ ref: InstanceRef) -> String {
        "/v3/\(PercentEncoding.encode(ref.projectID))/instances/\(PercentEncoding.encode(ref.instanceID))"
            + "/disaster-recovery/data-synchronization"
    }

    static func projectPath(_ ref: InstanceRef, _ collection: String, query: [QueryItem]) -> String {
        "/v3/\(PercentEncoding.encode(ref.projectID))/\(collection)?\(AKSKSigner.canonicalQueryString(query))"
    }
}
