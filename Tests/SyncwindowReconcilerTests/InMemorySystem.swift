import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import GeminiDBEmulatorSetup
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowReconciler
import SyncwindowSchedule
import SyncwindowTestSupport

/// The reconciler over in-memory drivers — the emulator engine without HTTP, the in-memory
/// audit store, in-memory pair locks — on one simulated clock: a pass that follows minutes
/// of jobs runs in milliseconds. The end-to-end suites keep the real HTTP path, the SQLite
/// trail and the built binaries.
struct InMemorySystem {
    let fixture: ConfigFixture
    let config: SyncwindowConfiguration
    let clock: SimulatedClock
    let cloud: InMemoryGeminiDB
    let locks: InMemoryPairLocks
    let audit: InMemoryAuditStore
    let reconciler: Reconciler

    static let start = RFC3339.parse("2026-12-01T01:30:00Z")!

    static func with(
        windows: [String: String] = ConfigFixture.defaultWindows, faults: EmulatorFaults = EmulatorFaults(),
        _ body: (InMemorySystem) async throws -> Void
    ) async throws {
        let fixture = try ConfigFixture(windows: windows)
        defer { fixture.directory.remove() }
        let config = try ConfigLoader.load(path: fixture.configPath)
        let clock = SimulatedClock(start: start)
        let cloud = try InMemoryGeminiDB(
            configuration: EmulatorConfiguration(
                pairs: config.pairs.map(EmulatorPair.init),
                auth: .aksk(accessKey: Secret("ak"), secretKey: Secret("sk")),
                faults: faults, seed: 7, now: clock.wallNow, clock: clock))
        let locks = InMemoryPairLocks(clock: clock, pollInterval: .milliseconds(50))
        let audit = InMemoryAuditStore(wallClock: clock.wallNow)
        let reconciler = Reconciler(
            configuration: config, cloud: cloud, audit: audit, logger: Logger(label: "test"), clock: clock,
            locks: locks)
        try await body(
            InMemorySystem(
                fixture: fixture, config: config, clock: clock, cloud: cloud, locks: locks, audit: audit,
                reconciler: reconciler))
    }

    /// One pass at the simulated wall clock's now, or at `at`.
    func pass(at text: String? = nil, lockTimeout: Duration = .seconds(10)) async throws -> PassResult {
        try await reconciler.runPass(
            ReconcileOptions(
                at: text.flatMap(RFC3339.parse) ?? clock.wallNow(), lockTimeout: lockTimeout, jobTimeout: .seconds(300),
                pollInterval: .seconds(2)))
    }

    func status(_ instanceID: String) async -> String? {
        await cloud.engine.state().instances.first { $0.instanceID == instanceID }?.status
    }

    func posts() async -> [EmulatorRequestLogEntry] {
        await cloud.engine.requests().filter { $0.method == "POST" }
    }
}
