import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging

/// The in-memory twin of `GeminiDBClient`: a `GeminiDBService` answered by an ``EmulatorEngine`` in the same
/// process, without HTTP (as hummingbird's `MemoryPersistDriver` stands in for a `PersistDriver`).
///
/// It has the emulator's state machine (a pause or resume settles only once both instances were called), and the
/// faults that live in the engine: failing jobs (`failNextJobs`, `jobFailureRate`), calls accepted and lost
/// (`loseNextCalls`), `jobDelayMilliseconds`, `jobVisibilityDelayMilliseconds`, and statuses forced with
/// ``EmulatorEngine/forceStatus(_:instanceID:projectID:)``. Time is the configuration's injected `now`: jobs
/// advance lazily on the next call, so a test moves that clock instead of sleeping. Answers become results and
/// `GeminiDBError`s exactly as `GeminiDBClient` maps the same HTTP answers (a refused resume is `.api(403, …)`,
/// an unknown instance is `.api(404, …)`, and nil from ``instance(_:)``).
///
/// Not modelled, because they happen on the wire or in the client, not in the cloud's state: latency, held answers
/// (`holdCallAnswersMilliseconds`), dropped connections (`.outcomeUnknown`), 429 throttling and the random 500s
/// (`error_rate`), timeouts, the concurrency limit, credentials (nothing is signed or checked, so no
/// `.unauthorized`), and retries: every call is answered once, so compare it with a client whose `RetryPolicy` is
/// `.none`.
public struct InMemoryGeminiDB: GeminiDBService {
    /// The engine behind it: faults, forced statuses, state and the request log, as on a running emulator.
    public let engine: EmulatorEngine

    public init(engine: EmulatorEngine) {
        self.engine = engine
    }

    /// Over a fresh engine. `configuration.auth` is never checked; throws if `stateFile` cannot be read.
    public init(
        configuration: EmulatorConfiguration,
        logger: Logger = Logger(label: "geminidb-emulator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.init(engine: try EmulatorEngine(configuration: configuration, logger: logger))
    }

    public func syncStatus(of instance: InstanceRef) async throws(GeminiDBError) -> DataSyncStatusResponse {
        try Self.decode(DataSyncStatusResponse.self, from: try await answer(.syncStatus(instance)))
    }

    public func setDataSynchronization(
        _ action: SyncAction, on instance: InstanceRef
    ) async throws(GeminiDBError) -> String {
        try Self.decode(JobIDResponse.self, from: try await answer(.setDataSync(action, instance))).jobID
    }

    public func job(id: String, on instance: InstanceRef) async throws(GeminiDBError) -> Job? {
        try Self.decode(JobListResponse.self, from: try await answer(.job(id: id, instance))).jobs.first {
            $0.id == id
        }
    }

    public func instance(_ instance: InstanceRef) async throws(GeminiDBError) -> InstanceInfo? {
        do {
            return try Self.decode(InstanceListResponse.self, from: try await answer(.instance(instance))).instances
                .first { $0.id == instance.instanceID }
        } catch {
            if case .api(404, APIErrorCode.instanceNotFound, _, _) = error { return nil }
            throw error
        }
    }

    /// A cancelled caller gets `.cancelled` before the call takes effect, as from the client's queue.
    func answer(_ call: EmulatorEngine.InProcessCall) async throws(GeminiDBError) -> EmulatorResponse {
        guard !Task.isCancelled else { throw .cancelled }
        return await engine.answer(call)
    }

    /// A 2xx body decoded as the client decodes it (the engine's own JSON, so both paths read the same bytes);
    /// any other answer as the error the client throws for it.
    static func decode<T: Decodable>(_ type: T.Type, from response: EmulatorResponse) throws(GeminiDBError) -> T {
        guard (200..<300).contains(response.status) else { throw error(from: response) }
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw .decoding("\(T.self) from HTTP \(response.status): \(error)")
        }
    }

    /// The client's mapping. The data functions answer neither 401 nor 429 today; they are mapped anyway, so the
    /// twin stays faithful if the engine ever does.
    static func error(from response: EmulatorResponse) -> GeminiDBError {
        func header(_ name: String) -> String? {
            response.headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        let body =
            (try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body)))
            ?? APIErrorBody(
                errorCode: "HTTP.\(response.status)",
                errorMessage: String(decoding: response.body.prefix(200), as: UTF8.self))
        let requestID = body.requestID ?? header("X-Request-Id")
        switch response.status {
        case 401:
            return .unauthorized(code: body.errorCode, message: body.errorMessage, requestID: requestID)
        case 429:
            let retryAfter = header("Retry-After").flatMap(Double.init).map { Duration.milliseconds(Int64($0 * 1000)) }
            return .throttled(retryAfter: retryAfter)
        default:
            return .api(
                httpStatus: response.status, code: body.errorCode, message: body.errorMessage, requestID: requestID)
        }
    }
}
