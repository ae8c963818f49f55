import Foundation
import SyncwindowTestSupport
import Testing

/// The built `syncwindow` against a `geminidb-emulator` that throttles as the API gateway does (`--quota`): many
/// pairs entering a window at once. On SQLite, or PostgreSQL with `SYNCWINDOW_TEST_STORE=postgres`.
@Suite("gateway quota end to end", .serialized)
struct QuotaEndToEndTests {
    static let inWindow = "2026-12-01T01:31:00Z"
    static let pairCount = 40

    struct Setup {
        let fixture: ConfigFixture
        let emulator: SpawnedEmulator
        let config: String

        /// `pairCount` pairs (the fixture's two and more in the same projects), every call paced at `rateLimit`.
        init(emulatorFlags: [String], rateLimit: Int) throws {
            let more = (3...QuotaEndToEndTests.pairCount).map { index in
                """
                  bulk-\(index):
                    primary: { region: ap-southeast-1, project_id: p1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, instance_id: bulk-\(index)-primary-in12 }
                    standby: { region: ap-southeast-3, project_id: p3bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, instance_id: bulk-\(index)-standby-in12 }
                """
            }
            fixture = try ConfigFixture(extraMain: more.joined(separator: "\n"))
            emulator = try SpawnedEmulator(configPath: fixture.configPath, flags: emulatorFlags)
            let live = try fixture.configPointing(at: emulator.baseURL)
            let text = try String(contentsOfFile: live, encoding: .utf8)
                .replacingOccurrences(of: "  concurrency: 8\n", with: "  concurrency: 8\n  rate_limit: \(rateLimit)\n")
            config = try fixture.directory.write("config-paced.yaml", text)
        }

        func tick() throws -> BinaryRunner.Result {
            try BinaryRunner.run(
                "syncwindow", ["tick", "--config", config, "--at", QuotaEndToEndTests.inWindow, "--job-timeout", "120"])
        }

        func finish() {
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    @Test("a pass paced above the gateway's quota finds it from the 429s and converges, no pair failed for throttling")
    func throttledPassConverges() throws {
        // Given a gateway admitting 5 calls a second per project and API, and a config pacing at 20
        let setup = try Setup(emulatorFlags: ["--quota", "5", "--job-delay", "0.2s"], rateLimit: 20)
        defer { setup.finish() }
        // When 40 pairs enter their window in one tick
        let result = try setup.tick()
        // Then the pass converges: every instance paused, the exit status 0, nothing said of throttling
        #expect(result.status == 0, "\(result.stderr)")
        let statuses = try setup.emulator.instances().map(\.status)
        #expect(statuses.count == 2 * Self.pairCount && statuses.allSatisfy { $0 == "SUSPENDED" }, "\(statuses)")
        #expect(!result.stderr.contains("throttled"), "\(result.stderr)")
        // And the gateway did throttle it: the limiter had to find the quota
        let requests = try setup.emulator.requests()
        #expect(requests.contains { $0.status == 429 })
    }

    @Test("a mass edge spends at most 5 calls a pair: one status read a side, the POSTs, shared job listings")
    func fewCallsAPair() throws {
        // Given a gateway that does not throttle and jobs of a second
        let setup = try Setup(emulatorFlags: ["--job-delay", "1s"], rateLimit: 180)
        defer { setup.finish() }
        // When 40 pairs enter their window in one tick
        let result = try setup.tick()
        #expect(result.status == 0, "\(result.stderr)")
        // Then the emulator served at most 5 API calls a pair
        let calls = try setup.emulator.requests().filter { $0.path.hasPrefix("/v3/") }
        #expect(calls.count <= 5 * Self.pairCount, "\(calls.count) calls for \(Self.pairCount) pairs")
        // And every instance was read once before its POST
        let statusReads = calls.filter { $0.method == "GET" && $0.path.hasSuffix("/data-synchronization") }
        #expect(statusReads.count == 2 * Self.pairCount)
    }
}
