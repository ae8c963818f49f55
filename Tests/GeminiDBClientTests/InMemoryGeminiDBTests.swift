import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import SyncwindowTestSupport
import Testing

/// The two `GeminiDBService`s over the emulator's engine: the in-memory twin, and the real path (HTTP client,
/// AK/SK signing, Hummingbird server). Every test below runs against both, so the twin is held to the real path.
enum CloudBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory = "in-memory"
    case http = "HTTP client and emulator"

    var testDescription: String { rawValue }

    /// Runs `body` with the service and the engine behind it (faults, forced statuses, request log). The HTTP
    /// client does not retry, as the twin answers every call once; both read time from `clock`.
    func with<T>(
        faults: EmulatorFaults, clock: ManualNow, _ body: (any GeminiDBService, EmulatorEngine) async throws -> T
    ) async throws -> T {
        typealias F = EmulatorFixtures
        switch self {
        case .inMemory:
            let cloud = try InMemoryGeminiDB(
                configuration: EmulatorConfiguration(
                    pairs: [F.pair], auth: F.aksk, faults: faults, seed: 42, now: clock.now))
            return try await body(cloud, cloud.engine)
        case .http:
            return try await EmulatorHarness.withEmulator(faults: faults, now: clock.now) { emulator in
                try await ClientFixture.withHTTP { http in
                    let client = ClientFixture.client(
                        emulator, credentials: .aksk(ak: F.accessKey, sk: F.secretKey), http: http, retry: .none,
                        now: clock.now)
                    return try await body(client, emulator.engine)
                }
            }
        }
    }
}

@Suite("In-memory GeminiDB, held to the HTTP client and emulator")
struct InMemoryGeminiDBTests {
    typealias F = EmulatorFixtures
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    @Test(
        "pausing both instances: SUSPENDING while the jobs run, SUSPENDED once the job delay has passed",
        arguments: CloudBackend.allCases)
    func pauseBoth(backend: CloudBackend) async throws {
        let clock = ManualNow(Self.start)
        try await backend.with(faults: EmulatorFaults(jobDelayMilliseconds: 60_000), clock: clock) { cloud, _ in
            // Given both instances syncing, when both are paused
            let primaryJob = try await cloud.setDataSynchronization(.pause, on: F.primary)
            let standbyJob = try await cloud.setDataSynchronization(.pause, on: F.standby)
            // then both are SUSPENDING and the jobs run
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspending)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspending)
            #expect(try await cloud.job(id: primaryJob, on: F.primary)?.state == .running)
            // and a second call while the job runs is refused
            let busy = await refusal { try await cloud.setDataSynchronization(.pause, on: F.primary) }
            #expect(busy?.httpStatus == 403)
            #expect(busy?.code == APIErrorCode.operationInProgress)

            // When the job delay has passed, both are SUSPENDED and the jobs completed.
            clock.advance(by: 61)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspended)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspended)
            let done = try #require(try await cloud.job(id: standbyJob, on: F.standby))
            #expect(done.state == .completed)
            #expect(done.endTime != nil)
            #expect(done.failReason == nil)
        }
    }

    @Test(
        "resume is refused 403 until both instances are SUSPENDED; then both resume to SYNCING",
        arguments: CloudBackend.allCases)
    func resumeNeedsBoth(backend: CloudBackend) async throws {
        try await backend.with(faults: EmulatorHarness.instantJobs, clock: ManualNow(Self.start)) { cloud, _ in
            // Given only the primary paused: both read SUSPENDING, its job done or not
            _ = try await cloud.setDataSynchronization(.pause, on: F.primary)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspending)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspending)
            // resume is refused on it, and on the standby not yet paused.
            let halfPaused = await refusal { try await cloud.setDataSynchronization(.resume, on: F.primary) }
            #expect(halfPaused?.httpStatus == 403)
            #expect(halfPaused?.code == APIErrorCode.statusDoesNotAllow)
            #expect(halfPaused?.hasRequestID == true)
            let notPaused = await refusal { try await cloud.setDataSynchronization(.resume, on: F.standby) }
            #expect(notPaused?.code == APIErrorCode.statusDoesNotAllow)

            // When the standby is paused too, both settle SUSPENDED.
            _ = try await cloud.setDataSynchronization(.pause, on: F.standby)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspended)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspended)
            // The first resume puts both in RECOVERYING; only the second brings both back to SYNCING.
            _ = try await cloud.setDataSynchronization(.resume, on: F.primary)
            #expect(try await cloud.syncStatus(of: F.primary).state == .recovering)
            #expect(try await cloud.syncStatus(of: F.standby).state == .recovering)
            _ = try await cloud.setDataSynchronization(.resume, on: F.standby)
            #expect(try await cloud.syncStatus(of: F.primary).state == .syncing)
            #expect(try await cloud.syncStatus(of: F.standby).state == .syncing)
        }
    }

    @Test(
        "a pair called on one side stays SUSPENDING on both sides, whatever job finishes, until the other is called",
        arguments: CloudBackend.allCases)
    func oneSideCalled(backend: CloudBackend) async throws {
        let clock = ManualNow(Self.start)
        try await backend.with(faults: EmulatorFaults(jobDelayMilliseconds: 10_000), clock: clock) { cloud, _ in
            // Given the primary paused alone, and its job long completed
            let primaryJob = try await cloud.setDataSynchronization(.pause, on: F.primary)
            clock.advance(by: 3600)
            #expect(try await cloud.job(id: primaryJob, on: F.primary)?.state == .completed)
            // Then both sides still read SUSPENDING, and a second pause of the primary is refused
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspending)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspending)
            let again = await refusal { try await cloud.setDataSynchronization(.pause, on: F.primary) }
            #expect(again?.code == APIErrorCode.statusDoesNotAllow)
            // When the standby, SUSPENDING but not yet called, is paused: accepted
            let standbyJob = try await cloud.setDataSynchronization(.pause, on: F.standby)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspending)
            // Then both settle once its job completed too
            clock.advance(by: 11)
            #expect(try await cloud.job(id: standbyJob, on: F.standby)?.state == .completed)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspended)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspended)
        }
    }

    @Test(
        "a lost call: answered 202 with a job id, the job never listed, nothing moves", arguments: CloudBackend.allCases
    )
    func lostCall(backend: CloudBackend) async throws {
        let clock = ManualNow(Self.start)
        try await backend.with(faults: EmulatorFaults(jobDelayMilliseconds: 0, loseNextCalls: 1), clock: clock) {
            cloud, engine in
            let lost = try await cloud.setDataSynchronization(.pause, on: F.primary)
            clock.advance(by: 3600)
            #expect(try await cloud.job(id: lost, on: F.primary) == nil)
            #expect(try await cloud.syncStatus(of: F.primary).state == .syncing)
            #expect(try await cloud.syncStatus(of: F.standby).state == .syncing)
            #expect(await engine.state().jobs.isEmpty)
            // Only the next call was lost: the one after it is carried out.
            let kept = try await cloud.setDataSynchronization(.pause, on: F.primary)
            #expect(try await cloud.job(id: kept, on: F.primary)?.state == .completed)
        }
    }

    @Test("a failing job withdraws its side's call and says why", arguments: CloudBackend.allCases)
    func failingJob(backend: CloudBackend) async throws {
        let faults = EmulatorFaults(failNextJobs: 1, jobDelayMilliseconds: 0)
        try await backend.with(faults: faults, clock: ManualNow(Self.start)) { cloud, _ in
            // Given the next job fails, when the primary is paused
            let failed = try await cloud.setDataSynchronization(.pause, on: F.primary)
            // then the job failed with a reason and, no call left standing, the pair syncs again
            let job = try #require(try await cloud.job(id: failed, on: F.primary))
            #expect(job.state == .failed)
            #expect(job.failReason?.contains("pause") == true)
            #expect(try await cloud.syncStatus(of: F.primary).state == .syncing)
            #expect(try await cloud.syncStatus(of: F.standby).state == .syncing)
            // and only that one job failed.
            let retried = try await cloud.setDataSynchronization(.pause, on: F.primary)
            #expect(try await cloud.job(id: retried, on: F.primary)?.state == .completed)
            _ = try await cloud.setDataSynchronization(.pause, on: F.standby)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspended)
        }
    }

    @Test(
        "a failing job on the second side: the first side's call stands, both stay SUSPENDING until it is called again",
        arguments: CloudBackend.allCases)
    func failingSecondJob(backend: CloudBackend) async throws {
        try await backend.with(faults: EmulatorHarness.instantJobs, clock: ManualNow(Self.start)) { cloud, engine in
            _ = try await cloud.setDataSynchronization(.pause, on: F.primary)
            await engine.setFaults(EmulatorFaults(failNextJobs: 1, jobDelayMilliseconds: 0))
            let failed = try await cloud.setDataSynchronization(.pause, on: F.standby)
            #expect(try await cloud.job(id: failed, on: F.standby)?.state == .failed)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspending)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspending)
            _ = try await cloud.setDataSynchronization(.pause, on: F.standby)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspended)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspended)
        }
    }

    @Test("a new job is not listed until the visibility delay has passed", arguments: CloudBackend.allCases)
    func jobVisibility(backend: CloudBackend) async throws {
        let clock = ManualNow(Self.start)
        let faults = EmulatorFaults(jobDelayMilliseconds: 10_000, jobVisibilityDelayMilliseconds: 5_000)
        try await backend.with(faults: faults, clock: clock) { cloud, _ in
            let jobID = try await cloud.setDataSynchronization(.pause, on: F.primary)
            // Right after the POST the job is not listed, though the instance already moves.
            #expect(try await cloud.job(id: jobID, on: F.primary) == nil)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspending)
            clock.advance(by: 4)
            #expect(try await cloud.job(id: jobID, on: F.primary) == nil)
            // Once visible it runs, and later completes.
            clock.advance(by: 2)
            #expect(try await cloud.job(id: jobID, on: F.primary)?.state == .running)
            clock.advance(by: 5)
            #expect(try await cloud.job(id: jobID, on: F.primary)?.state == .completed)
        }
    }

    @Test("a forced status shows, and counts for the resume rule", arguments: CloudBackend.allCases)
    func forcedStatus(backend: CloudBackend) async throws {
        try await backend.with(faults: EmulatorHarness.instantJobs, clock: ManualNow(Self.start)) { cloud, engine in
            // Given someone else paused the standby
            #expect(await engine.forceStatus("SUSPENDED", instanceID: F.standby.instanceID) != nil)
            #expect(try await cloud.syncStatus(of: F.standby).state == .suspended)
            // when the primary is paused, it settles on its own call (its peer is paused already)
            _ = try await cloud.setDataSynchronization(.pause, on: F.primary)
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspended)
            // and resume is accepted on it; the pair syncs once the standby is resumed too.
            _ = try await cloud.setDataSynchronization(.resume, on: F.primary)
            #expect(try await cloud.syncStatus(of: F.standby).state == .recovering)
            _ = try await cloud.setDataSynchronization(.resume, on: F.standby)
            #expect(try await cloud.syncStatus(of: F.primary).state == .syncing)
        }
    }

    @Test("forcing a side out of a half-called pause: the other side goes back, or settles on its own call")
    func forcedOutOfTransition() async throws {
        try await CloudBackend.inMemory.with(faults: EmulatorHarness.instantJobs, clock: ManualNow(Self.start)) {
            cloud, engine in
            // Given a pause called on the primary only, when the standby is forced by hand
            _ = try await cloud.setDataSynchronization(.pause, on: F.primary)
            await engine.forceStatus("SYNCING", instanceID: F.standby.instanceID)
            // then the primary settles on its own call
            #expect(try await cloud.syncStatus(of: F.primary).state == .suspended)
            #expect(try await cloud.syncStatus(of: F.standby).state == .syncing)
            // Given a pause called on the standby only
            await engine.forceStatus("SYNCING", instanceID: F.primary.instanceID)
            _ = try await cloud.setDataSynchronization(.pause, on: F.standby)
            // when the standby (the called side) is forced, the primary, never called, goes back
            await engine.forceStatus("SUSPENDED", instanceID: F.standby.instanceID)
            #expect(try await cloud.syncStatus(of: F.primary).state == .syncing)
        }
    }

    @Test(
        "instances: a served one is listed with its DR peer; an unknown one is nil, and 404 for its status",
        arguments: CloudBackend.allCases)
    func instances(backend: CloudBackend) async throws {
        try await backend.with(faults: EmulatorHarness.instantJobs, clock: ManualNow(Self.start)) { cloud, _ in
            let primary = try #require(try await cloud.instance(F.primary))
            #expect(primary.name == "orders-cache-primary")
            #expect(primary.drInstanceID == F.standby.instanceID)
            let unknown = InstanceRef(region: F.primary.region, projectID: F.primary.projectID, instanceID: "nope")
            #expect(try await cloud.instance(unknown) == nil)
            let missing = await refusal { try await cloud.syncStatus(of: unknown) }
            #expect(missing?.httpStatus == 404)
            #expect(missing?.code == APIErrorCode.instanceNotFound)
        }
    }

    @Test("the same calls give the same answers, errors and request log on both paths")
    func sameTranscript() async throws {
        var transcripts: [CloudBackend: [String]] = [:]
        var logs: [CloudBackend: [String]] = [:]
        for backend in CloudBackend.allCases {
            let clock = ManualNow(Self.start)
            let faults = EmulatorFaults(failNextJobs: 1, jobDelayMilliseconds: 30_000)
            try await backend.with(faults: faults, clock: clock) { cloud, engine in
                transcripts[backend] = await Self.script(cloud, clock: clock)
                // Only the credentials differ (auth `aksk` or `in-process`), and the random job ids.
                let jobIDs = await engine.state().jobs.map(\.id)
                logs[backend] = await engine.requests().map { entry in
                    var line = "\(entry.method) \(entry.path) \(entry.query ?? "") \(entry.status ?? 0)"
                    for (index, id) in jobIDs.enumerated() {
                        line = line.replacingOccurrences(of: id, with: "job-\(index)")
                    }
                    return line
                }
            }
        }
        let twin = try #require(transcripts[.inMemory])
        #expect(twin.count == 16)
        #expect(twin == transcripts[.http])
        #expect(logs[.inMemory] == logs[.http])
    }

    /// Every kind of call and answer, each outcome as a line; job and request ids, which are random, replaced.
    static func script(_ cloud: any GeminiDBService, clock: ManualNow) async -> [String] {
        var lines: [String] = []
        var jobIDs: [String] = []
        func note<T>(_ label: String, _ call: () async throws -> T) async {
            var line: String
            do {
                line = "\(label): \(try await call())"
            } catch let error as GeminiDBError {
                line = "\(label): \(error.withoutRequestID)"
            } catch {
                line = "\(label): not a GeminiDBError: \(error)"
            }
            for (index, id) in jobIDs.enumerated() { line = line.replacingOccurrences(of: id, with: "job-\(index)") }
            lines.append(line)
        }
        func post(_ label: String, _ action: SyncAction, _ instance: InstanceRef) async {
            await note(label) {
                let id = try await cloud.setDataSynchronization(action, on: instance)
                jobIDs.append(id)
                return id
            }
        }
        let unknown = InstanceRef(region: F.primary.region, projectID: F.primary.projectID, instanceID: "nope")
        await note("status") { try await cloud.syncStatus(of: F.primary) }
        await note("instance") { try await cloud.instance(F.standby) }
        await note("unknown instance") { try await cloud.instance(unknown) }
        await note("unknown status") { try await cloud.syncStatus(of: unknown) }
        await post("pause primary (fails)", .pause, F.primary)
        await note("busy") { try await cloud.setDataSynchronization(.pause, on: F.primary) }
        await note("running job") { try await cloud.job(id: jobIDs[0], on: F.primary) }
        clock.advance(by: 31)
        await note("failed job") { try await cloud.job(id: jobIDs[0], on: F.primary) }
        await post("pause primary", .pause, F.primary)
        await post("resume too early", .resume, F.primary)
        await post("pause standby", .pause, F.standby)
        clock.advance(by: 31)
        await post("resume primary", .resume, F.primary)
        await post("resume standby", .resume, F.standby)
        await note("standby while resuming") { try await cloud.syncStatus(of: F.standby) }
        clock.advance(by: 31)
        await note("standby") { try await cloud.syncStatus(of: F.standby) }
        await note("unknown job") { try await cloud.job(id: "nope", on: F.primary) }
        return lines
    }
}

/// How a call was refused, nil if it was not.
private func refusal<T>(_ call: () async throws -> T) async -> GeminiDBError? {
    do {
        _ = try await call()
        return nil
    } catch let error as GeminiDBError {
        return error
    } catch {
        Issue.record("not a GeminiDBError: \(error)")
        return nil
    }
}

extension GeminiDBError {
    fileprivate var httpStatus: Int? {
        if case .api(let status, _, _, _) = self { return status }
        return nil
    }

    fileprivate var code: String? {
        switch self {
        case .api(_, let code, _, _), .unauthorized(let code, _, _): code
        default: nil
        }
    }

    fileprivate var hasRequestID: Bool {
        switch self {
        case .api(_, _, _, let requestID), .unauthorized(_, _, let requestID): requestID != nil
        default: false
        }
    }

    /// Request ids are random per answer: everything else must match.
    fileprivate var withoutRequestID: GeminiDBError {
        switch self {
        case .api(let status, let code, let message, _):
            .api(httpStatus: status, code: code, message: message, requestID: nil)
        case .unauthorized(let code, let message, _): .unauthorized(code: code, message: message, requestID: nil)
        default: self
        }
    }
}
