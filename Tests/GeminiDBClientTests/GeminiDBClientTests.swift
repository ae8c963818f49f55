import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import SyncwindowTestSupport
import Testing

@Suite("GeminiDB client against the emulator")
struct GeminiDBClientTests {
    typealias F = EmulatorFixtures

    @Test(
        "each auth method reads the sync status",
        arguments: [("aksk", F.aksk), ("password", F.passwordAuth), ("token", F.tokenAuth)])
    func authMethods(name: String, auth: EmulatorAuth) async throws {
        try await EmulatorHarness.withEmulator(auth: auth) { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: ClientFixture.credentials(for: auth, emulator: emulator), http: http)
                let status = try await client.syncStatus(of: F.primary)
                #expect(status.state == .syncing)
                #expect(status.masterInstanceID == F.primary.instanceID)
                #expect(status.slaveInstanceID == F.standby.instanceID)
                #expect(status.dataSyncIndicators != nil)
                let standby = try await client.syncStatus(of: F.standby)
                #expect(standby.dataSyncIndicators == nil)
                let info = try await client.instance(F.standby)
                #expect(info?.id == F.standby.instanceID)
                #expect(info?.status == "normal")
                let log = await emulator.engine.requests()
                #expect(
                    log.filter { $0.path.hasPrefix("/v3/") && $0.path != "/v3/auth/tokens" }
                        .allSatisfy { $0.auth == (name == "aksk" ? "aksk" : "token") })
            }
        }
    }

    @Test("full cycle: pause both → SUSPENDED on both → resume both → SYNCING on both")
    func fullCycle() async throws {
        let clock = ManualNow(Date())
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(jobDelayMilliseconds: 30_000), now: clock.now) {
            emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: F.accessKey, sk: F.secretKey), http: http, now: clock.now)
                let pauseJobs = [
                    try await client.setDataSynchronization(.pause, on: F.primary),
                    try await client.setDataSynchronization(.pause, on: F.standby),
                ]
                #expect(try await client.syncStatus(of: F.primary).state == .suspending)
                #expect(try await client.job(id: pauseJobs[0], on: F.primary)?.state == .running)
                clock.advance(by: 31)
                #expect(try await client.syncStatus(of: F.primary).state == .suspended)
                #expect(try await client.syncStatus(of: F.standby).state == .suspended)
                let job = try #require(try await client.job(id: pauseJobs[0], on: F.primary))
                #expect(job.state == .completed)
                #expect(job.instance?.id == F.primary.instanceID)

                _ = try await client.setDataSynchronization(.resume, on: F.primary)
                #expect(try await client.syncStatus(of: F.primary).state == .recovering)
                _ = try await client.setDataSynchronization(.resume, on: F.standby)
                clock.advance(by: 31)
                #expect(try await client.syncStatus(of: F.primary).state == .syncing)
                #expect(try await client.syncStatus(of: F.standby).state == .syncing)
            }
        }
    }

    @Test("refusals: resume while syncing, pause twice, unknown instance, wrong project")
    func refusals() async throws {
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(jobDelayMilliseconds: 60_000)) { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: F.accessKey, sk: F.secretKey), http: http, retry: .none)
                await #expect(throws: GeminiDBError.self) {
                    try await client.setDataSynchronization(.resume, on: F.primary)
                }
                do {
                    _ = try await client.setDataSynchronization(.resume, on: F.primary)
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    guard case .api(403, APIErrorCode.statusDoesNotAllow, _, let requestID) = error else {
                        Issue.record("unexpected \(error)")
                        return
                    }
                    #expect(requestID != nil)
                }
                _ = try await client.setDataSynchronization(.pause, on: F.primary)
                do {
                    _ = try await client.setDataSynchronization(.pause, on: F.primary)
                    Issue.record("second pause accepted")
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    guard case .api(403, APIErrorCode.operationInProgress, let message, let requestID) = error else {
                        Issue.record("unexpected \(error)")
                        return
                    }
                    #expect(message.contains("Another operation is being performed"))
                    #expect(requestID != nil)
                }
                let unknown = InstanceRef(
                    region: F.primary.region, projectID: F.primary.projectID, instanceID: "nosuchinstancein12")
                do {
                    _ = try await client.syncStatus(of: unknown)
                    Issue.record("unknown instance answered")
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    guard case .api(404, APIErrorCode.instanceNotFound, _, _) = error else {
                        Issue.record("unexpected \(error)")
                        return
                    }
                }
                #expect(try await client.instance(unknown) == nil)
                // The standby's id under the primary's project: not in this project.
                let wrongProject = InstanceRef(
                    region: F.primary.region, projectID: F.primary.projectID, instanceID: F.standby.instanceID)
                await #expect(throws: GeminiDBError.self) { try await client.syncStatus(of: wrongProject) }
            }
        }
    }

    @Test("a pause job that fails returns the instance to SYNCING with a fail reason")
    func failedJob() async throws {
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(failNextJobs: 1, jobDelayMilliseconds: 0)) {
            emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: F.accessKey, sk: F.secretKey), http: http)
                let jobID = try await client.setDataSynchronization(.pause, on: F.primary)
                let job = try #require(try await client.job(id: jobID, on: F.primary))
                #expect(job.state == .failed)
                #expect(job.failReason != nil)
                #expect(try await client.syncStatus(of: F.primary).state == .syncing)
            }
        }
    }

    @Test("a job is invisible until the visibility delay has passed")
    func jobVisibility() async throws {
        let clock = ManualNow(Date())
        try await EmulatorHarness.withEmulator(
            faults: EmulatorFaults(jobDelayMilliseconds: 0, jobVisibilityDelayMilliseconds: 5_000), now: clock.now
        ) { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: F.accessKey, sk: F.secretKey), http: http, now: clock.now)
                let jobID = try await client.setDataSynchronization(.pause, on: F.primary)
                #expect(try await client.job(id: jobID, on: F.primary) == nil)
                clock.advance(by: 6)
                #expect(try await client.job(id: jobID, on: F.primary)?.state == .completed)
            }
        }
    }

    @Test("wrong secret key and wrong static token get 401 APIGW.0301, once")
    func wrongCredentials() async throws {
        try await EmulatorHarness.withEmulator { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: F.accessKey, sk: Secret("not-the-secret")), http: http)
                do {
                    _ = try await client.syncStatus(of: F.primary)
                    Issue.record("wrong SK accepted")
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    guard case .unauthorized(APIErrorCode.unauthorized, _, _) = error else {
                        Issue.record("unexpected \(error)")
                        return
                    }
                    #expect(!"\(error)".contains("not-the-secret"))
                }
                let tokenClient = ClientFixture.client(emulator, credentials: .token(Secret("bogus")), http: http)
                await #expect(throws: GeminiDBError.self) { try await tokenClient.syncStatus(of: F.primary) }
                #expect(await emulator.engine.requests().count == 2)
            }
        }
    }
}
