import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import NIOCore
import Synchronization
import SyncwindowTestSupport
import Testing

/// A wall clock the test moves by hand.
final class ManualNow: Sendable {
    private let date: Mutex<Date>
    init(_ start: Date) { date = Mutex(start) }
    func advance(by seconds: TimeInterval) { date.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var now: @Sendable () -> Date { { [self] in date.withLock { $0 } } }
}

@Suite("GeminiDB emulator")
struct EmulatorTests {
    typealias F = EmulatorFixtures
    static let aksk = Credentials.aksk(ak: F.accessKey, sk: F.secretKey)

    @Test("jobs advance lazily from the injected clock: SUSPENDING until both sides' jobs have completed")
    func lazyJobs() async throws {
        let clock = ManualNow(Date())
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(jobDelayMilliseconds: 60_000), now: clock.now) {
            emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http)
                let jobID = try await client.setDataSynchronization(.pause, on: F.primary)
                #expect(try await client.syncStatus(of: F.primary).state == .suspending)
                let running = try #require(try await client.job(id: jobID, on: F.primary))
                #expect(running.state == .running)
                #expect(running.progress == "50%")
                #expect(running.endTime == nil)
                clock.advance(by: 61)
                let done = try #require(try await client.job(id: jobID, on: F.primary))
                #expect(done.state == .completed)
                #expect(done.progress == nil)
                #expect(done.endTime != nil)
                // The pause takes effect only once the standby was called too.
                #expect(try await client.syncStatus(of: F.primary).state == .suspending)
                _ = try await client.setDataSynchronization(.pause, on: F.standby)
                clock.advance(by: 61)
                #expect(try await client.syncStatus(of: F.primary).state == .suspended)
                #expect(try await client.syncStatus(of: F.standby).state == .suspended)
            }
        }
    }

    @Test("resume needs both instances SUSPENDED; the second resume is accepted after the first")
    func resumeRule() async throws {
        try await EmulatorHarness.withEmulator { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http, retry: .none)
                _ = try await client.setDataSynchronization(.pause, on: F.primary)
                #expect(try await client.syncStatus(of: F.primary).state == .suspending)
                // Half paused: resume refused.
                await #expect(throws: GeminiDBError.self) {
                    try await client.setDataSynchronization(.resume, on: F.primary)
                }
                _ = try await client.setDataSynchronization(.pause, on: F.standby)
                #expect(try await client.syncStatus(of: F.primary).state == .suspended)
                _ = try await client.setDataSynchronization(.resume, on: F.primary)
                #expect(try await client.syncStatus(of: F.standby).state == .recovering)
                _ = try await client.setDataSynchronization(.resume, on: F.standby)
                #expect(try await client.syncStatus(of: F.standby).state == .syncing)
            }
        }
    }

    @Test("a forced status (someone else paused) shows in GET and in the control state")
    func forcedStatus() async throws {
        try await EmulatorHarness.withEmulator { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http)
                let forced = await emulator.engine.forceStatus("SUSPENDED", instanceID: F.standby.instanceID)
                #expect(forced?.status == "SUSPENDED")
                #expect(try await client.syncStatus(of: F.standby).state == .suspended)

                var request = HTTPClientRequest(
                    url: emulator.baseURL.absoluteString + "/_emulator/instances/\(F.primary.instanceID)/status")
                request.method = .PUT
                request.body = .bytes(ByteBuffer(string: #"{"status":"SUSPENDED"}"#))
                let response = try await http.execute(request, timeout: .seconds(5))
                #expect(response.status == .ok)
                let state = await emulator.engine.state()
                #expect(state.instances.map(\.status) == ["SUSPENDED", "SUSPENDED"])
            }
        }
    }

    @Test("the control API sets faults and shows the request log without secrets")
    func controlAPI() async throws {
        try await EmulatorHarness.withEmulator(auth: F.passwordAuth) { emulator in
            try await ClientFixture.withHTTP { http in
                var put = HTTPClientRequest(url: emulator.baseURL.absoluteString + "/_emulator/faults")
                put.method = .PUT
                put.body = .bytes(ByteBuffer(string: #"{"throttle_burst":1,"job_delay_ms":0}"#))
                #expect(try await http.execute(put, timeout: .seconds(5)).status == .ok)
                #expect(await emulator.engine.currentFaults().throttleBurst == 1)

                let client = ClientFixture.client(
                    emulator, credentials: ClientFixture.credentials(for: F.passwordAuth, emulator: emulator),
                    http: http,
                    clock: RecordingClock())
                _ = try await client.syncStatus(of: F.primary)
                let get = HTTPClientRequest(url: emulator.baseURL.absoluteString + "/_emulator/requests")
                let response = try await http.execute(get, timeout: .seconds(5))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                #expect(body.contains("\"request_id\""))
                #expect(body.contains("/v3/auth/tokens"))
                #expect(!body.contains(F.password.exposedValue))
                #expect(!body.contains("MIIemu"))
            }
        }
    }

    @Test("with --state, instances and jobs survive a restart")
    func statePersistence() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("emu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stateFile = directory.appendingPathComponent("state.json").path
        let jobID = try await EmulatorHarness.withEmulator(stateFile: stateFile) { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http)
                return try await client.setDataSynchronization(.pause, on: F.primary)
            }
        }
        try await EmulatorHarness.withEmulator(stateFile: stateFile) { emulator in
            try await ClientFixture.withHTTP { (http: HTTPClient) async throws -> Void in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http)
                // The half-called pause survived: both SUSPENDING, the primary's job done,
                #expect(try await client.syncStatus(of: F.primary).state == .suspending)
                #expect(try await client.job(id: jobID, on: F.primary)?.state == .completed)
                #expect(try await client.syncStatus(of: F.standby).state == .suspending)
                // and the standby's call completes it.
                _ = try await client.setDataSynchronization(.pause, on: F.standby)
                #expect(try await client.syncStatus(of: F.standby).state == .suspended)
                #expect(try await client.syncStatus(of: F.primary).state == .suspended)
            }
        }
    }

    @Test(
        "durations on the command line",
        arguments: [("0", 0), ("250ms", 250), ("1s", 1000), ("1.5s", 1500), ("2m", 120_000), ("1h30m", 5_400_000)])
    func durations(text: String, milliseconds: Int) throws {
        let duration = try #require(FaultDuration.parse(text))
        #expect(FaultDuration.milliseconds(duration) == milliseconds)
    }

    @Test("wire models decode the documented examples")
    func wireModels() throws {
        let status = try JSONDecoder().decode(
            DataSyncStatusResponse.self,
            from: Data(
                #"{"master_instance_id":"m","slave_instance_id":"s","status":"RECOVERYING","data_sync_indicators":{"rsync_ops":1,"rsync_wal_size":2,"rsync_push_cost":3,"rsync_send_cost":4,"rsync_max_push_cost":5,"rsync_max_send_cost":6,"rsync_status":0},"rto_and_rpo_indicators":[{"scene":"FAILOVER","rpo":1,"rto":2}]}"#
                    .utf8))
        #expect(status.state == .recovering)
        #expect(status.dataSyncIndicators?.rsyncWALSize == 2)
        #expect(DataSyncState(rawValue: "WEIRD") == .unknown("WEIRD"))
        let jobs = try JSONDecoder().decode(
            JobListResponse.self,
            from: Data(
                #"{"jobs":[{"id":"j","name":"n","status":"Running","start_time":"2026-11-29T10:00:00+0800","end_time":"","progress":"60%","instance":{"id":"i","name":"x"},"fail_reason":""}],"total_count":1}"#
                    .utf8))
        #expect(jobs.jobs.first?.state == .running)
        let error = try JSONDecoder().decode(
            APIErrorBody.self, from: Data(#"{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r"}"#.utf8)
        )
        #expect(error.requestID == "r")
        #expect(
            String(data: try JSONEncoder().encode(DataSyncActionRequest(action: .pause)), encoding: .utf8)
                == #"{"action":"pause"}"#)
    }
}
