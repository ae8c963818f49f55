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
    /// Every job created, indexed so that a request costs the same after a year of them as after one.
    var jobs = EmulatorJobBook()
    var faults: EmulatorFaults
    /// Issued IAM tokens: value → (region scope, expiry).
    var tokens: [String: (region: String, expiresAt: Date)] = [:]
    /// The metadata service's settings, temporary keys and session tokens.
    var temporaryKeys: EmulatorTemporaryKeys
    var requestLog = RequestLog(capacity: maxLogEntries)
    /// The gateway's buckets and the calls counted in each.
    var quota = EmulatorQuota()
    /// API requests admitted and not answered yet (their latency, processing or held answer):
    /// what a test waits on after killing a client, instead of guessing how long they take.
    var requestsInFlight = 0
    var random: FaultDice
    /// The `--state` file, if any, and what changed since it was last written.
    let journal: EmulatorStateJournal?
    var changedInstances: [String] = []
    var changedJobs: [Int] = []

    static let maxLogEntries = 10_000
    static let hexDigits = Array("0123456789abcdef".utf8)

    public init(configuration: EmulatorConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.faults = configuration.faults
        var issued = EmulatorTemporaryKeys(settings: configuration.metadata)
        let expiresAt = configuration.now().addingTimeInterval(TimeInterval(configuration.metadata.keyLifetimeSeconds))
        for case .temporaryKeys(let accepted) in [configuration.auth] + configuration.projectAuth.values {
            for key in accepted {
                issued.keys[key.accessKey.exposedValue] = .init(
                    secret: key.secretKey.exposedValue, securityToken: key.securityToken.exposedValue,
                    expiresAt: expiresAt)
            }
        }
        temporaryKeys = issued
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
        journal = configuration.stateFile.map(EmulatorStateJournal.init(path:))
        if let path = configuration.stateFile, let snapshot = try EmulatorStateJournal.load(path: path) {
            for saved in snapshot.instances where instances[saved.key] != nil {
                instances[saved.key]?.status = saved.status
                instances[saved.key]?.currentJobID = saved.currentJobID
                instances[saved.key]?.pendingAction = saved.pendingAction
            }
            for job in snapshot.jobs {
                jobs.insert(job)
            }
        }
    }

    var now: Date { configuration.now() }

    // MARK: - State

    /// Finishes every job whose time has come, in completion order: only those, found in a heap by due time, so
    /// the cost does not grow with the jobs that finished long ago. A finished job moves no instance by itself: a
    /// failed one withdraws its side's call, and then each pair it touched settles if it can (``settlePair(of:)``).
    func advance() {
        var touched: [String] = []
        let finished = jobs.finishDue(at: now) { record in
            var job = record
            let key = "\(job.projectID)/\(job.instanceID)"
            if job.willFail {
                job.status = "Failed"
                job.failReason = "The \(job.action) of data synchronization failed on the instance."
                if instances[key]?.currentJobID == job.id { instances[key]?.currentJobID = nil }
            } else {
                job.status = "Completed"
            }
            job.finishedAt = job.completesAt
            touched.append(key)
            return job
        }
        guard !finished.isEmpty else { return }
        // After the book is done finishing: settling reads the other side's job in it.
        for key in touched { settlePair(of: key) }
        changedInstances += touched
        changedJobs += finished
        persist()
    }

    func snapshot() -> EmulatorStateSnapshot {
        EmulatorStateSnapshot(
            instances: instanceOrder.compactMap { instances[$0] }, jobs: jobs.records,
            resumeStarted: resumesStarted())
    }

    /// Writes what changed to the state file, if any: the whole state on the first change after a start, one
    /// journal line (what the change touched) after that.
    func persist() {
        defer {
            changedInstances.removeAll(keepingCapacity: true)
            changedJobs.removeAll(keepingCapacity: true)
        }
        guard let journal else { return }
        do {
            if journal.isStarted {
                var instanceSeen = Set<String>()
                var jobSeen = Set<Int>()
                try journal.append(
                    EmulatorStateSnapshot(
                        instances: changedInstances.filter { instanceSeen.insert($0).inserted }
                            .compactMap { instances[$0] },
                        jobs: changedJobs.filter { jobSeen.insert($0).inserted }.map { jobs.records[$0] },
                        resumeStarted: resumesStarted()))
            } else {
                try journal.start(with: snapshot())
            }
        } catch {
            logger.error(
                "could not write emulator state file", metadata: ["file.path": "\(journal.path)", "error": "\(error)"])
        }
    }

    /// A random (version 4) UUID, lower case: a job id.
    func newID() -> String { Self.randomHex(dashes: true) }

    /// 32 random hex digits: a request id.
    func newRequestID() -> String { Self.randomHex(dashes: false) }

    /// Hex digits of a version 4 UUID, with or without its dashes. Written out by hand: Foundation's `UUID` opens
    /// /dev/urandom and `replacingOccurrences` bridges through NSString, a quarter of a request's cost together.
    static func randomHex(dashes: Bool) -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next()
        var low = generator.next()
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant 10xx
        let digits = hexDigits
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (word, groups) in [(high, [8, 4, 4]), (low, [4, 12])] {
            var shift = 64
            for length in groups {
                if dashes, !text.isEmpty { text.append(UInt8(ascii: "-")) }
                for _ in 0..<length {
                    shift -= 4
                    text.append(digits[Int((word >> UInt64(shift)) & 0xF)])
                }
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: - Faults and the request log

    /// What happens to a request before it is processed.
    struct Admission: Sendable {
        var requestID: String
        var latency: Duration
        var drop: EmulatorFaults.DropMode?
        var immediate: EmulatorResponse?
        /// How long the answer waits after the request was carried out (pause/resume calls only).
        var hold: Duration = .zero
    }

    /// Admits `request` (counted in flight until ``answered()``) and draws its faults.
    func admit(_ request: EmulatorRequest) -> Admission {
        requestsInFlight += 1
        let requestID = newRequestID()
        var admission = Admission(
            requestID: requestID, latency: .milliseconds(max(0, faults.latencyMilliseconds)), drop: nil,
            immediate: nil)
        if request.method == "POST", request.path.hasSuffix("/data-synchronization") {
            admission.hold = .milliseconds(max(0, faults.holdCallAnswersMilliseconds))
        }
        if faults.dropConnections > 0 {
            faults.dropConnections -= 1
            admission.drop = faults.dropMode
        } else if faults.throttleBurst > 0 {
            faults.throttleBurst -= 1
            var response = EmulatorResponse.error(
                429, APIErrorCode.throttled, "The request is throttled.", requestID: requestID)
            response.headers.append(HTTPHeaderField("Retry-After", "\(faults.retryAfterSeconds)"))
            admission.immediate = response
        } else if let key = EmulatorQuota.key(method: request.method, segments: request.segments),
            let retryAfter = quota.take(key, quota: faults.quota, at: now)
        {
            var response = EmulatorResponse.error(
                429, APIErrorCode.throttled, "The request is throttled.", requestID: requestID)
            response.headers.append(HTTPHeaderField("Retry-After", "\(retryAfter)"))
            admission.immediate = response
        } else if faults.errorRate > 0, random.unit() < faults.errorRate {
            admission.immediate = .error(500, "DBS.200000", "Internal server error.")
        }
        return admission
    }

    /// An admitted request was answered, dropped or abandoned.
    func answered() { requestsInFlight -= 1 }

    func record(
        _ request: EmulatorRequest, requestID: String, status: Int?, auth: String, dropped: Bool
    ) {
        let entry = EmulatorRequestLogEntry(
            method: request.method, path: String(request.path), query: request.rawQuery.map(String.init),
            status: status, auth: auth, time: now, requestID: requestID, dropped: dropped)
        requestLog.append(entry)
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
        if let metadata = metadataRoute(request) { return (metadata, "metadata") }
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
