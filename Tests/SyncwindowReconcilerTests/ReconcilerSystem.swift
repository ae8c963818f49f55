import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import GeminiDBEmulatorSetup
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule
import SyncwindowTestSupport

/// The real parts, wired as production wires them: config files loaded by the real loader,
/// an emulator on 127.0.0.1:0, the real HTTP client with AK/SK signing, a real SQLite audit file.
struct ReconcilerSystem {
    let fixture: ConfigFixture
    let config: SyncwindowConfiguration
    let emulator: RunningEmulator
    let audit: AuditStore
    let reconciler: Reconciler

    static func with(
        windows: [String: String] = ConfigFixture.defaultWindows, faults: EmulatorFaults = EmulatorHarness.instantJobs,
        retry: RetryPolicy = RetryPolicy(), passwordAuth: Bool = false, _ body: (ReconcilerSystem) async throws -> Void
    ) async throws {
        let fixture = try ConfigFixture(windows: windows)
        defer { fixture.directory.remove() }
        var config = try ConfigLoader.load(path: fixture.configPath)
        var emulatorConfiguration = try EmulatorConfiguration(
            from: config, faults: faults, seed: 7, readSecret: { try SecretFile.read($0) })
        if passwordAuth {
            emulatorConfiguration.auth = .password(domain: "ops", user: "syncwindow", password: Secret(Self.password))
        }
        let emulator = try await RunningEmulator.start(configuration: emulatorConfiguration)
        config.cloud.endpoints = ["ap-southeast-1": emulator.baseURL, "ap-southeast-3": emulator.baseURL]
        let audit = try AuditStore.open(stateDirectory: config.stateDirectory, wallClock: { Date() })
        do {
            try await HTTPClient.withHTTPClient { http in
                let client = GeminiDBClient(
                    configuration: .init(
                        endpoints: config.cloud.endpoints, timeout: .seconds(5), concurrency: 8, retry: retry),
                    credentials: passwordAuth
                        ? .password(
                            iamEndpoint: emulator.baseURL, domain: "ops", user: "syncwindow",
                            password: Secret(Self.password))
                        : .aksk(ak: Secret(ConfigFixture.accessKey), sk: Secret(ConfigFixture.secretKey)),
                    httpClient: http, logger: Logger(label: "test"))
                let reconciler = Reconciler(
                    configuration: config, cloud: client, audit: audit, logger: Logger(label: "test"))
                try await body(
                    ReconcilerSystem(
                        fixture: fixture, config: config, emulator: emulator, audit: audit, reconciler: reconciler))
            }
        } catch {
            await emulator.shutdown()
            throw error
        }
        await emulator.shutdown()
    }

    static let password = "fixture-password-never-printed"

    /// One pass at `at` (RFC 3339), with fast polling.
    @discardableResult
    func pass(at text: String, pairs: [String]? = nil, dryRun: Bool = false, actor: String = "syncwindow") async throws
        -> PassResult
    {
        try await reconciler.runPass(
            ReconcileOptions(
                at: RFC3339.parse(text)!, dryRun: dryRun, actor: actor, pairs: pairs, lockTimeout: .seconds(2),
                jobTimeout: .seconds(10), pollInterval: .milliseconds(20)))
    }

    /// The POSTs the emulator received, as "instance-id action-less path" lines.
    func posts() async -> [EmulatorRequestLogEntry] {
        await emulator.engine.requests().filter { $0.method == "POST" && $0.path.hasSuffix("data-synchronization") }
    }

    func status(of instanceID: String) async -> String? {
        await emulator.engine.state().instances.first { $0.instanceID == instanceID }?.status
    }

    func kinds(pair: String) async throws -> [String] {
        try await audit.events(AuditQuery(pair: pair)).map(\.event.kind.rawValue)
    }
}
