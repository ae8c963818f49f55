import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowSchedule

/// Runs reconcile passes: for each pair, desired state from overrides and windows, live
/// state from the cloud, and the calls that bring one to the other — every call recorded
/// before it is sent and after it answers.
public struct Reconciler: Sendable {
    public let configuration: SyncwindowConfiguration
    public let schedule: Schedule
    public let cloud: any GeminiDBService
    public let audit: any AuditStoring
    public let logger: Logger
    /// Sleeps between polls and lock attempts. Never the source of `at`.
    public let clock: any Clock<Duration>
    /// One invocation per pair at a time (flock files under `{state_dir}/locks` by default).
    public let locks: any PairLocks
    /// On a shared store: the checks that make a host with a wrong clock or configuration stand down.
    public let sharedStore: SharedStoreGuard?
    let makePassID: @Sendable () -> String

    public init(
        configuration: SyncwindowConfiguration, cloud: any GeminiDBService, audit: any AuditStoring, logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(), locks: (any PairLocks)? = nil,
        sharedStore: SharedStoreGuard? = nil,
        makePassID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.configuration = configuration
        self.schedule = Schedule(windows: configuration.windows)
        self.cloud = cloud
        self.audit = audit
        self.logger = logger
        self.clock = clock
        self.locks =
            locks
            ?? FilePairLocks(
                directory: URL(fileURLWithPath: configuration.stateDirectory).appendingPathComponent("locks").path,
                clock: clock)
        self.sharedStore = sharedStore
        self.makePassID = makePassID
    }

    /// How many pairs a pass works on at once: 32 per slot of `cloud.concurrency` (1,024 by
    /// default). Enough to keep every slot busy while most pairs wait for their jobs — a pair
    /// spends seconds on a job for every few tens of milliseconds of calls — and a bound on
    /// memory: 5,000 pairs started at once held 370 MB, mostly work queued for the slots.
    var pairsInFlight: Int { max(1, configuration.cloud.concurrency) * 32 }

    /// One pass over the selected pairs, concurrently: ``pairsInFlight`` pairs at a time, the
    /// client bounding the calls in flight.
    public func runPass(_ options: ReconcileOptions) async throws -> PassResult {
        let passID = makePassID()
        let (clockSkew, standDown) = try await checkSharedStore(options)
        if let standDown {
            // Said once by the command (tick, override: its one stderr line; run: its log).
            return PassResult(passID: passID, at: options.at, pairs: [], standDown: standDown, clockSkew: clockSkew)
        }
        let recorder = PassRecorder(
            store: audit, passID: passID, at: options.at, actor: options.actor,
            configurationHash: configuration.contentHash, mode: options.mode, bracketed: !options.dryRun,
            snapshot: ConfigurationSnapshot(configuration))
        // Before any pair records: the report judges this pass's instant by the configuration in force.
        try await recorder.recordConfigurationIfChanged()
        // One for the pass: its pairs' polls share the listings of each project's jobs.
        let follower = JobFollower(cloud: cloud, spacing: options.pollInterval / 8, clock: clock)
        let selected = configuration.pairs.filter { options.pairs?.contains($0.name) ?? true }
        // Pairs that left the config still holding a pause of ours: handed back by every full pass.
        let removed =
            options.pairs == nil
            ? try await RemovedPairs.find(configuration: configuration, at: options.at, in: audit) : []
        let passes: [@Sendable () async throws -> PairPassResult] =
            selected.map { pair in
                { @Sendable in
                    try await PairPass(
                        reconciler: self, pair: pair, options: options, recorder: recorder, follower: follower
                    ).runLocked()
                }
            }
            + removed.map { pair in
                { @Sendable in
                    try await self.handBack(pair, options: options, recorder: recorder, follower: follower)
                }
            }
        let results = try await withThrowingTaskGroup(of: PairPassResult.self) { group in
            // A bounded number of pairs at once, started in config order, the next as one finishes.
            var waiting = passes.makeIterator()
            for _ in 0..<pairsInFlight {
                guard let pass = waiting.next() else { break }
                group.addTask(operation: pass)
            }
            var collected: [PairPassResult] = []
            collected.reserveCapacity(passes.count)
            for try await result in group {
                collected.append(result)
                if let pass = waiting.next() { group.addTask(operation: pass) }
            }
            return collected
        }
        // Config order, then the removed pairs: one dictionary lookup per pair, not a search.
        let byName = Dictionary(results.map { ($0.pair, $0) }, uniquingKeysWith: { first, _ in first })
        let ordered = (selected.map(\.name) + removed.map(\.name)).compactMap { byName[$0] }.map { result in
            var result = result
            result.pausedOutsideWindowsSince = pausedOutsideWindowsSince(result, at: options.at)
            return result
        }
        let converged = ordered.filter(\.reached).count
        try await recorder.finish(summary: "\(converged)/\(ordered.count) pairs at desired state")
        return PassResult(passID: passID, at: options.at, pairs: ordered, clockSkew: clockSkew)
    }

    /// A pass over a pair that left the config: resume what syncwindow paused, if the trail
    /// says where the instances are; otherwise say plainly what the operator must do.
    func handBack(_ pair: RemovedPair, options: ReconcileOptions, recorder: PassRecorder, follower: JobFollower)
        async throws -> PairPassResult
    {
        if let instances = pair.instances {
            var pass = PairPass(
                reconciler: self, pair: instances, options: options, recorder: recorder, follower: follower)
            pass.removedFromConfig = true
            var result = try await pass.runLocked()
            result.removedFromConfig = true
            return result
        }
        let ledger = try await PairLedger.load(pair: pair.name, at: options.at, from: audit)
        var desired = ledger.desiredState(pair: pair.name, at: options.at, schedule: Schedule(windows: []))
        desired.reason = "no longer in the config"
        logger.error("Pair removed from the config while paused", metadata: ["pair.name": "\(pair.name)"])
        return PairPassResult(
            pair: pair.name, desired: desired, live: nil, reached: false, actions: [],
            problem: .removedWithoutInstances(pair: pair.name),
            removedFromConfig: true)
    }
}
