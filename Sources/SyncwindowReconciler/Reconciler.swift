import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowSchedule

/// Runs reconcile passes: for each pair, desired state from overrides and windows, live
/// state from the cloud, and the calls that bring one to the other — every call recorded
/// before it is sent and after it answers.
public struct Reconciler: Sendable {
    public let configuration: SyncwindowConfiguration
    public let schedule: Schedule
    public let cloud: any GeminiDBService
    public let audit: AuditStore
    public let logger: Logger
    /// Sleeps between polls and lock attempts. Never the source of `at`.
    public let clock: any Clock<Duration>
    let makePassID: @Sendable () -> String

    public init(
        configuration: SyncwindowConfiguration, cloud: any GeminiDBService, audit: AuditStore, logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        makePassID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.configuration = configuration
        self.schedule = Schedule(windows: configuration.windows)
        self.cloud = cloud
        self.audit = audit
        self.logger = logger
        self.clock = clock
        self.makePassID = makePassID
    }

    /// One pass over the selected pairs, concurrently (the client bounds the in-flight calls).
    public func runPass(_ options: ReconcileOptions) async throws -> PassResult {
        let passID = makePassID()
        let recorder = PassRecorder(
            store: audit, passID: passID, at: options.at, actor: options.actor,
            configurationHash: configuration.contentHash, mode: options.mode, bracketed: !options.dryRun)
        let selected = configuration.pairs.filter { options.pairs?.contains($0.name) ?? true }
        let results = try await withThrowingTaskGroup(of: PairPassResult.self) { group in
            for pair in selected {
                group.addTask {
                    try await PairPass(reconciler: self, pair: pair, options: options, recorder: recorder).runLocked()
                }
            }
            var collected: [PairPassResult] = []
            for try await result in group { collected.append(result) }
            return collected
        }
        let ordered = selected.compactMap { pair in results.first { $0.pair == pair.name } }
        let converged = ordered.filter(\.reached).count
        try await recorder.finish(summary: "\(converged)/\(ordered.count) pairs at desired state")
        return PassResult(passID: passID, at: options.at, pairs: ordered)
    }

    /// The lock file guarding one pair against concurrent invocations.
    public func lockPath(forPair pair: String) -> String {
        URL(fileURLWithPath: configuration.stateDirectory).appendingPathComponent("locks").appendingPathComponent(
            "\(pair).lock"
        ).path
    }
}
