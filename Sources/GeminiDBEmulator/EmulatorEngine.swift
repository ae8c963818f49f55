import Foundation
import GeminiDBAPI
import Logging

/// The emulated cloud: instances, jobs, tokens, faults and the request log. State advances lazily, when read,
/// from the injected wall clock, so tests are deterministic.
public actor EmulatorEngine {
    let configuration: EmulatorConfiguration
    let logger: Logger
    var instances: [String: EmulatorInstanceState] = [:]
    /// Instance keys in config order.
    var instanceOrder: [String] = []
    var jobs: [String: EmulatorJobRecord] = [:]
    var jobOrder: [String] = []
    var resumeStarted: Set<String> = []
    var faults: EmulatorFaults
    /// Issued IAM tokens: value → (region scope, expiry).
    var tokens: [String: (region: String, expiresAt: Date)] = [:]
    var requestLog: [EmulatorRequestLogEntry] = []
    var random: FaultDice

    static let maxLogEntries = 10_000

    public init(configuration: EmulatorConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.faults = configuration.faults
        self.random = FaultDice(seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max))
        for pair in configuration.pairs {
            for (ref, peer, role) in [(pair.primary, pair.standby, "master"), (pair.standby, pair.primary, "slave")] {
                let state = EmulatorInstanceState(
                    projectID: ref.projectID, instanceID: ref.instanceID, region: ref.region,
                    name: "\(pair.name)-\(role == "master" ? "primary" : "standby")", pair: pair.name, role: role,
                    peerProjectID: peer.projectID, peerInstanceID: peer.instanceID, status: "SYNCING",
                    currentJobID: nil)
                if instances[state.key] == nil { instanceOrder.append(state.key) }
                instances[state.key] = state
            }
        }
        if let path = configuration.stateFile, FileManager.default.fileExists(atPath: path) {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let snapshot = try decoder.decode(EmulatorStateSnapshot.self, from: data)
            for saved in snapshot.instances where instances[saved.key] != nil {
                instances[saved.key]?.status = saved.status
                instances[saved.key]?.currentJobID = saved.currentJobID
            }
            for job in snapshot.jobs {
                jobs[job.id] = job
                jobOrder.append(job.id)
            }
            resumeStarted = Set(snapshot.resumeStarted)
        }
    }

    var now: Date { configuration.now() }

    // MARK: - State

    /// Finishes every job whose time has come, in completion order.
    func advance() {
        let now = self.now
        let due = jobOrder.compactMap { jobs[$0] }.filter { $0.status == "Running" && $0.completesAt <= now }
            .sorted { $0.completesAt < $1.completesAt }
        guard !due.isEmpty else { return }
        for var job in due {
            let key = "\(job.projectID)/\(job.instanceID)"
            let ownsInstance = instances[key]?.currentJobID == job.id
            if job.willFail {
                job.status = "Failed"
                job.failReason = "The \(job.action) of data synchronization failed on the instance."
                if ownsInstance { instances[key]?.status = job.previousStatus }
            } else {
                job.status = "Completed"
                if ownsInstance { instances[key]?.status = job.action == "pause" ? "SUSPENDED" : "SYNCING" }
            }
            job.finishedAt = job.completesAt
            if ownsInstance { instances[key]?.currentJobID = nil }
            jobs[job.id] = job
        }
        persist()
    }

    func snapshot() -> EmulatorStateSnapshot {
        EmulatorStateSnapshot(
            instances: instanceOrder.compactMap { instances[$0] }, jobs: jobOrder.compactMap { jobs[$0] },
            resumeStarted: resumeStarted.sorted())
    }

    /// Writes the state file, if any: temp file then rename, so a crash never leaves half a file.
    func persist() {
        guard let path = configuration.stateFile else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do {
            let data = try encoder.encode(snapshot())
            let url = URL(fileURLWithPath: path)
            let temp = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            logger.error(
                "could not write emulator state file", metadata: ["file.path": "\(path)", "error": "\(error)"])
        }
    }

    func newID() -> String { UUID().uuidString.lowercased() }

    // MARK: - Faults and the request log

    /// What happens to a request before it is processed.
    struct Admission: Sendable {
        var requestID: String
        var latency: Duration
        var drop: EmulatorFaults.DropMode?
        var immediate: EmulatorResponse?
    }

    func admit(_ request: EmulatorRequest) -> Admission {
        let requestID = newID().replacingOccurrences(of: "-", with: "")
        var admission = Admission(
            requestID: requestID, latency: .milliseconds(max(0, faults.latencyMilliseconds)), drop: nil,
            immediate: nil)
        if faults.dropConnections > 0 {
            faults.dropConnections -= 1
            admission.drop = faults.dropMode
        } else if faults.throttleBurst > 0 {
            faults.throttleBurst -= 1
            var response = EmulatorResponse.error(
                429, APIErrorCode.throttled, "The request is throttled.", requestID: requestID)
            response.headers.append(HTTPHeaderField("Retry-After", "\(faults.retryAfterSeconds)"))
            admission.immediate = response
        } else if faults.errorRate > 0, random.unit() < faults.errorRate {
            admission.immediate = .error(500, "DBS.200000", "Internal server error.")
        }
        return admission
    }

    func record(
        _ request: EmulatorRequest, requestID: String, status: Int?, auth: String, dropped: Bool
    ) {
        let entry = EmulatorRequestLogEntry(
            method: request.method, path: String(request.path), query: request.rawQuery.map(String.init),
            status: status, auth: auth, time: now, requestID: requestID, dropped: dropped)
        requestLog.append(entry)
        if requestLog.count > Self.maxLogEntries { requestLog.removeFirst(requestLog.count - Self.maxLogEntries) }
    }

    /// Authenticates, routes and answers one API request, and logs it.
    func process(_ request: EmulatorRequest, requestID: String, dropAfter: Bool) -> EmulatorResponse {
        var (response, auth) = route(request, requestID: requestID)
        response.headers.append(HTTPHeaderField("X-Request-Id", requestID))
        record(request, requestID: requestID, status: dropAfter ? nil : response.status, auth: auth, dropped: dropAfter)
        response.drop = dropAfter
        return response
    }

    func route(_ request: EmulatorRequest, requestID: String) -> (EmulatorResponse, String) {
        let segments = request.segments
        if segments == ["v3", "auth", "tokens"] {
            guard request.method == "POST" else { return (notFound(requestID), "none") }
            return (issueToken(request, requestID: requestID), "password")
        }
        guard segments.count >= 3, segments[0] == "v3" else { return (notFound(requestID), "none") }
        let projectID = segments[1]
        let auth = authenticate(request, projectID: projectID)
        guard case .success(let method) = auth else {
            if case .failure(let reason) = auth {
                logger.info("emulator refused credentials", metadata: ["auth.failure": "\(reason)"])
            }
            return (
                .error(
                    401, APIErrorCode.unauthorized, "Incorrect IAM authentication information: \(auth.reason)",
                    requestID: requestID), auth.method
            )
        }
        advance()
        let rest = Array(segments.dropFirst(2))
        let response: EmulatorResponse
        switch (request.method, rest.count, rest.first) {
        case ("GET", 1, "jobs"):
            response = listJobs(request, projectID: projectID)
        case ("GET", 1, "instances"):
            response = listInstances(request, projectID: projectID)
        case ("GET", 3, "instances") where rest[2] == "instance-role":
            response = instanceRole(projectID: projectID, instanceID: rest[1])
        case (_, 4, "instances") where rest[2] == "disaster-recovery" && rest[3] == "data-synchronization":
            switch request.method {
            case "GET": response = dataSyncStatus(projectID: projectID, instanceID: rest[1])
            case "POST": response = setDataSync(request, projectID: projectID, instanceID: rest[1])
            default: response = notFound(requestID)
            }
        default:
            response = notFound(requestID)
        }
        return (response, method)
    }

    func notFound(_ requestID: String) -> EmulatorResponse {
        .error(
            404, "APIGW.0101", "The API does not exist or has not been published in the environment",
            requestID: requestID)
    }
}

extension Result where Success == String, Failure == EmulatorEngine.AuthFailure {
    var reason: String {
        if case .failure(let failure) = self { return failure.reason }
        return ""
    }
    var method: String {
        switch self {
        case .success(let method): method
        case .failure(let failure): failure.method
        }
    }
}
