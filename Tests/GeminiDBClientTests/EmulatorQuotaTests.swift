import Foundation
import GeminiDBAPI
import Logging
import SyncwindowTestSupport
import Testing

@testable import GeminiDBEmulator

/// `--quota N`: the emulator throttles as the API gateway does, a token bucket of N calls a second (burst N) per
/// project and API, answering 429 `APIGW.0308` with `Retry-After`; and it counts every call per bucket.
@Suite("GeminiDB emulator: the gateway's quota")
struct EmulatorQuotaTests {
    typealias F = EmulatorFixtures

    static func engine(_ clock: ManualNow, quota: Int) throws -> EmulatorEngine {
        try EmulatorEngine(
            configuration: EmulatorConfiguration(
                pairs: [F.pair, F.secondPair], auth: F.tokenAuth,
                faults: EmulatorFaults(jobDelayMilliseconds: 0, quota: quota), seed: 7, now: clock.now),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func send(_ engine: EmulatorEngine, _ method: String, _ target: String, body: String = "") async
        -> EmulatorResponse
    {
        await engine.respond(
            to: EmulatorRequest(
                method: method, target: target, headers: ["x-auth-token": F.staticToken.exposedValue],
                body: Array(body.utf8)))
    }

    static func status(_ ref: InstanceRef) -> String {
        "/v3/\(ref.projectID)/instances/\(ref.instanceID)/disaster-recovery/data-synchronization"
    }

    @Test("a bucket of N a second, burst N, per project and API; 429 APIGW.0308 with Retry-After when empty")
    func bucketPerProjectAndAPI() async throws {
        let clock = ManualNow(Date(timeIntervalSince1970: 1_796_000_000))
        let engine = try Self.engine(clock, quota: 2)
        // Given a quota of 2: two status reads of one project go through (different instances, one API)
        #expect(await Self.send(engine, "GET", Self.status(F.pair.primary)).status == 200)
        #expect(await Self.send(engine, "GET", Self.status(F.secondPair.primary)).status == 200)
        // When a third comes in the same instant, Then it is throttled as the gateway throttles
        let throttled = await Self.send(engine, "GET", Self.status(F.pair.primary))
        #expect(throttled.status == 429)
        #expect(throttled.headers.first { $0.name == "Retry-After" }?.value == "1")
        let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(throttled.body))
        #expect(body.errorCode == "APIGW.0308" && body.requestID != nil)
        // And another API of the project, and the same API of another project, have buckets of their own
        #expect(await Self.send(engine, "GET", "/v3/\(F.pair.primary.projectID)/jobs").status == 200)
        #expect(await Self.send(engine, "GET", Self.status(F.pair.standby)).status == 200)
        // And half a second later one token is back, not two
        clock.advance(by: 0.5)
        #expect(await Self.send(engine, "GET", Self.status(F.pair.primary)).status == 200)
        #expect(await Self.send(engine, "GET", Self.status(F.pair.primary)).status == 429)
        // And the counts per bucket say so
        let report = try JSONDecoder().decode(
            EmulatorQuota.Report.self, from: Data(await Self.send(engine, "GET", "/_emulator/quota").body))
        let api = "GET /v3/{project_id}/instances/{instance_id}/disaster-recovery/data-synchronization"
        let row = try #require(report.buckets.first { $0.projectID == F.pair.primary.projectID && $0.api == api })
        #expect(report.quota == 2 && row.admitted == 3 && row.throttled == 2)
    }

    @Test("the quota is set through the control API; 0 lifts it, and the counts go on")
    func setThroughControl() async throws {
        let clock = ManualNow(Date(timeIntervalSince1970: 1_796_000_000))
        let engine = try Self.engine(clock, quota: 0)
        let put = await Self.send(engine, "PUT", "/_emulator/quota", body: #"{"quota": 1}"#)
        #expect(put.status == 200)
        #expect(await engine.currentFaults().quota == 1)
        #expect(await Self.send(engine, "GET", Self.status(F.pair.primary)).status == 200)
        #expect(await Self.send(engine, "GET", Self.status(F.pair.primary)).status == 429)
        #expect(await Self.send(engine, "PUT", "/_emulator/quota", body: #"{"quota": -1}"#).status == 400)
        _ = await Self.send(engine, "PUT", "/_emulator/quota", body: #"{"quota": 0}"#)
        for _ in 0..<5 { #expect(await Self.send(engine, "GET", Self.status(F.pair.primary)).status == 200) }
        let report = try JSONDecoder().decode(
            EmulatorQuota.Report.self, from: Data(await Self.send(engine, "GET", "/_emulator/quota").body))
        #expect(report.buckets.map(\.admitted) == [6] && report.buckets.map(\.throttled) == [1])
        #expect(await Self.send(engine, "DELETE", "/_emulator/quota").status == 204)
        let cleared = try JSONDecoder().decode(
            EmulatorQuota.Report.self, from: Data(await Self.send(engine, "GET", "/_emulator/quota").body))
        #expect(cleared.buckets.allSatisfy { $0.admitted == 0 && $0.throttled == 0 })
    }
}
