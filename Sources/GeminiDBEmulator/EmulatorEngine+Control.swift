import Foundation
import GeminiDBAPI

extension EmulatorEngine {
    /// The current faults and job timing.
    public func currentFaults() -> EmulatorFaults { faults }

    /// Replaces the faults and job timing.
    public func setFaults(_ faults: EmulatorFaults) { self.faults = faults }

    /// The request log, oldest first.
    public func requests() -> [EmulatorRequestLogEntry] { requestLog.entries }

    public func clearRequests() { requestLog.removeAll() }

    /// Instances and jobs as of now (due jobs finished first).
    public func state() -> EmulatorStateSnapshot {
        advance()
        return snapshot()
    }

    /// Forces an instance's status, as if someone else acted on it: a running job of it no longer moves it, and it
    /// leaves the pair's unsettled pause or resume (its peer then settles on its own call alone, or goes back to
    /// where it started if it was never called). With no `projectID`, the instance id must be unique across
    /// projects. Returns the new state, nil if unknown.
    @discardableResult
    public func forceStatus(_ status: String, instanceID: String, projectID: String? = nil) -> EmulatorInstanceState? {
        advance()
        let matches = instanceOrder.compactMap { instances[$0] }
            .filter { $0.instanceID == instanceID && (projectID == nil || $0.projectID == projectID) }
        guard matches.count == 1, var state = matches.first else { return nil }
        state.status = status
        state.currentJobID = nil
        state.pendingAction = nil
        instances[state.key] = state
        changedInstances.append(state.key)
        settlePair(of: state.peerKey)
        persist()
        return state
    }

    /// Answers `/_emulator/…` requests (no auth, not logged).
    func control(_ request: EmulatorRequest) -> EmulatorResponse {
        let segments = Array(request.segments.dropFirst())
        switch (request.method, segments) {
        case ("GET", ["requests"]):
            struct Log: Encodable { var requests: [EmulatorRequestLogEntry] }
            return .json(200, Log(requests: requestLog.entries))
        case ("GET", ["requests", "in-flight"]):
            struct InFlight: Encodable {
                var inFlight: Int
                enum CodingKeys: String, CodingKey { case inFlight = "in_flight" }
            }
            return .json(200, InFlight(inFlight: requestsInFlight))
        case ("DELETE", ["requests"]):
            clearRequests()
            return EmulatorResponse(status: 204)
        case ("GET", ["faults"]):
            return .json(200, faults)
        case ("PUT", ["faults"]):
            guard let new = try? JSONDecoder().decode(EmulatorFaults.self, from: Data(request.body)) else {
                return .error(400, APIErrorCode.badParameter, "The body is not a faults document.")
            }
            if let problem = new.problem {
                return .error(400, APIErrorCode.badParameter, problem)
            }
            struct Revoke: Decodable {
                var revokeTokens: Bool?
                enum CodingKeys: String, CodingKey { case revokeTokens = "revoke_tokens" }
            }
            if (try? JSONDecoder().decode(Revoke.self, from: Data(request.body)))?.revokeTokens == true {
                revokeTokens()
            }
            faults = new
            return .json(200, faults)
        case ("GET", ["quota"]):
            return .json(200, quota.report(quota: faults.quota))
        case ("PUT", ["quota"]):
            struct Body: Decodable { var quota: Int }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(request.body)), body.quota >= 0 else {
                return .error(400, APIErrorCode.badParameter, "The body must be {\"quota\": N}, N >= 0 calls a second.")
            }
            faults.quota = body.quota
            return .json(200, quota.report(quota: faults.quota))
        case ("DELETE", ["quota"]):
            quota.resetCounts()
            return EmulatorResponse(status: 204)
        case ("POST", ["revoke-tokens"]):
            revokeTokens()
            return EmulatorResponse(status: 204)
        case ("GET", ["state"]):
            return .json(200, state())
        case ("PUT", let parts) where parts.count == 3 && parts[0] == "instances" && parts[2] == "status":
            struct Body: Decodable { var status: String }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(request.body)) else {
                return .error(400, APIErrorCode.badParameter, "The body must be {\"status\": \"…\"}.")
            }
            guard
                let state = forceStatus(body.status, instanceID: parts[1], projectID: request.queryValue("project_id"))
            else { return instanceNotFound(parts[1]) }
            return .json(200, state)
        default:
            if let answer = metadataControl(request, segments) { return answer }
            return .error(404, "EMULATOR.404", "No such control endpoint.")
        }
    }
}
