import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import GeminiDBEmulatorSetup
import Logging
import Synchronization
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowReconciler
import SyncwindowTestSupport
import Testing

/// A pass that loses its pair's lease mid-way — before a call, between the two sides, while
/// following a job — sends no call after the loss, records nothing under the lost fence, and
/// ends the pair as `leaseLost` (exit 75, lock contention). On the in-memory lease twin and a
/// simulated clock: host alpha's renewal loop never wakes (a frozen host's would not), so the
/// test decides exactly when alpha's lease runs out and host beta takes the pair over.
@Suite("lease loss mid-pass over in-memory drivers")
struct LeaseLossTests {
    static let lease = Duration.seconds(30)
    static let margin = Duration.seconds(10)
    static let primary = "orders-primary-in12"
    static let standby = "orders-standby-in12"

    /// Where in alpha's pass the test steps in.
    enum Moment: Sendable {
        /// The first read of a side's sync status (after the window's edges are recorded, before any intent).
        case firstStatusRead
        /// Right after the first POST returned.
        case afterFirstCall
        /// The first read of a followed job.
        case firstJobRead
    }

    /// The in-memory cloud, stepping in once at `moment`.
    final class SteppingIn: GeminiDBService {
        let cloud: InMemoryGeminiDB
        let moment: Moment
        let action: @Sendable () async throws -> Void
        private let done = Mutex(false)

        init(cloud: InMemoryGeminiDB, at moment: Moment, action: @escaping @Sendable () async throws -> Void) {
            self.cloud = cloud
            self.moment = moment
            self.action = action
        }

        private func stepIn(at moment: Moment) async {
            guard moment == self.moment else { return }
            let first = done.withLock { done in
                defer { done = true }
                return !done
            }
            guard first else { return }
            do { try await action() } catch { Issue.record("stepping in failed: \(error)") }
        }

        func syncStatus(of instance: InstanceRef) async throws(GeminiDBError) -> DataSyncStatusResponse {
            await stepIn(at: .firstStatusRead)
            return try await cloud.syncStatus(of: instance)
        }
        func setDataSynchronization(_ action: SyncAction, on instance: InstanceRef) async throws(GeminiDBError)
            -> String
        {
            let jobID = try await cloud.setDataSynchronization(action, on: instance)
            await stepIn(at: .afterFirstCall)
            return jobID
        }
        func job(id: String, on instance: InstanceRef) async throws(GeminiDBError) -> Job? {
            await stepIn(at: .firstJobRead)
            return try await cloud.job(id: id, on: instance)
        }
        func jobs(_ query: JobQuery, on instance: InstanceRef) async throws(GeminiDBError) -> [Job] {
            try await cloud.jobs(query, on: instance)
        }
        func instance(_ instance: InstanceRef) async throws(GeminiDBError) -> InstanceInfo? {
            try await cloud.instance(instance)
        }
    }

    /// Two hosts on one lease table and one trail, one cloud, one simulated clock.
    final class Hosts: Sendable {
        let config: SyncwindowConfiguration
        let clock: SimulatedClock
        let cloud: InMemoryGeminiDB
        let audit: InMemoryAuditStore
        let alpha: InMemoryPairLeases<SimulatedClock.Background>
        let beta: InMemoryPairLeases<SimulatedClock>
        /// Beta's hold once it took the pair over.
        let taken = Mutex<(any PairLockHold)?>(nil)

        init(
            config: SyncwindowConfiguration, clock: SimulatedClock, cloud: InMemoryGeminiDB, audit: InMemoryAuditStore,
            alpha: InMemoryPairLeases<SimulatedClock.Background>, beta: InMemoryPairLeases<SimulatedClock>
        ) {
            self.config = config
            self.clock = clock
            self.cloud = cloud
            self.audit = audit
            self.alpha = alpha
            self.beta = beta
        }

        func reconciler(cloud: any GeminiDBService, locks: any PairLocks) -> Reconciler {
            Reconciler(
                configuration: config, cloud: cloud, audit: audit, logger: Logger(label: "test"), clock: clock,
                locks: locks)
        }

        func pass(_ reconciler: Reconciler) async throws -> PassResult {
            try await reconciler.runPass(
                ReconcileOptions(
                    at: clock.wallNow(), pairs: ["orders"], lockTimeout: .seconds(10), jobTimeout: .seconds(300),
                    pollInterval: .seconds(2)))
        }

        /// Alpha stands still past its lease (its renewal frozen), and beta takes the pair over.
        func betaTakesOver() async throws {
            clock.advance(by: LeaseLossTests.lease + .seconds(1))
            let hold = try await beta.acquire(pair: "orders", timeout: .zero)
            taken.withLock { $0 = hold }
        }

        func posts() async -> [String] {
            await cloud.engine.requests().filter { $0.method == "POST" }.map(\.path)
        }

        func kinds() async throws -> [String] {
            try await audit.events(AuditQuery(pair: "orders")).map {
                [$0.event.kind.rawValue, $0.event.side?.rawValue].compactMap { $0 }.joined(separator: " ")
            }
        }
    }

    static func withHosts(_ body: (Hosts) async throws -> Void) async throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let config = try ConfigLoader.load(path: fixture.configPath)
        let clock = SimulatedClock(start: InMemorySystem.start)
        let cloud = try InMemoryGeminiDB(
            configuration: EmulatorConfiguration(
                pairs: config.pairs.map(EmulatorPair.init),
                auth: .aksk(accessKey: Secret("ak"), secretKey: Secret("sk")),
                faults: EmulatorFaults(jobDelayMilliseconds: 5_000), seed: 7, now: clock.wallNow, clock: clock))
        let table = InMemoryLeaseTable(clock: clock, lease: lease)
        let hosts = Hosts(
            config: config, clock: clock, cloud: cloud,
            audit: InMemoryAuditStore(wallClock: clock.wallNow, fences: table),
            alpha: InMemoryPairLeases(table: table, host: "alpha", clock: clock.frozen, margin: margin),
            beta: InMemoryPairLeases(table: table, host: "beta", clock: clock, margin: margin))
        try await body(hosts)
    }

    /// The pair's result, which must be a lost lease.
    static func lostLease(_ result: PassResult) throws -> String {
        let orders = try #require(result.pairs.first { $0.pair == "orders" })
        guard case .leaseLost(let reason) = orders.problem else {
            Issue.record("expected a lost lease, got \(String(describing: orders.problem))")
            return ""
        }
        #expect(orders.actions.isEmpty && !orders.reached)
        // Lost, not failed: the exit status says another host carries on (75), as for a held lock.
        #expect(result.verdict == .lockContention)
        return reason
    }

    @Test("taken over before the first call: the intent is refused, nothing is called")
    func takenOverBeforeTheIntent() async throws {
        try await Self.withHosts { hosts in
            let cloud = SteppingIn(cloud: hosts.cloud, at: .firstStatusRead) { try await hosts.betaTakesOver() }
            let result = try await hosts.pass(hosts.reconciler(cloud: cloud, locks: hosts.alpha))
            let reason = try Self.lostLease(result)
            #expect(reason == "host beta holds lease 2; this host held lease 1")
            #expect(await hosts.posts().isEmpty)
            // The window's opening was recorded before the loss; no intent after it.
            let kinds = try await hosts.kinds()
            #expect(kinds.contains("window_opened"))
            #expect(!kinds.contains { $0.hasPrefix("pause_intent") })
        }
    }

    @Test("frozen past the margin before the first call: the intent stands, the call is never sent")
    func marginSpentBeforeTheCall() async throws {
        try await Self.withHosts { hosts in
            // 25 s of a 30 s lease pass with no renewal: 5 s left, less than the 10 s margin. Nobody
            // took the pair over, so the intent is still accepted under alpha's fence.
            let cloud = SteppingIn(cloud: hosts.cloud, at: .firstStatusRead) {
                hosts.clock.advance(by: .seconds(25))
            }
            let result = try await hosts.pass(hosts.reconciler(cloud: cloud, locks: hosts.alpha))
            let reason = try Self.lostLease(result)
            #expect(reason.contains("safety margin"))
            #expect(await hosts.posts().isEmpty)
            let kinds = try await hosts.kinds()
            #expect(kinds.filter { $0.hasPrefix("pause_") } == ["pause_intent primary"])
            // The next pass settles that intent from live status: nothing was called.
            #expect(try await hosts.audit.unsettledIntents(pair: "orders").count == 1)
        }
    }

    @Test("taken over between the two sides: the standby is never called; another host completes the pair")
    func takenOverBetweenTheSides() async throws {
        try await Self.withHosts { hosts in
            let cloud = SteppingIn(cloud: hosts.cloud, at: .afterFirstCall) { try await hosts.betaTakesOver() }
            let result = try await hosts.pass(hosts.reconciler(cloud: cloud, locks: hosts.alpha))
            #expect(try Self.lostLease(result).contains("host beta holds lease 2"))
            // One call, on the primary: the standby's intent rode in the append that was refused,
            // with the primary's outcome, so no call could follow it.
            #expect(await hosts.posts().count == 1)
            #expect(await hosts.posts().allSatisfy { $0.contains(Self.primary) })
            let kinds = try await hosts.kinds()
            #expect(kinds.filter { $0.hasPrefix("pause_") } == ["pause_intent primary"])

            // Beta, now holding the pair, settles the primary's call from live status and
            // completes the pause: the pair is not left half-paused.
            await hosts.taken.withLock { $0 }?.release()
            let next = try await hosts.pass(hosts.reconciler(cloud: hosts.cloud, locks: hosts.beta))
            #expect(next.verdict == .converged)
            #expect(await hosts.posts().count == 2, "only the standby is called, once")
            for instance in [Self.primary, Self.standby] {
                let status = await hosts.cloud.engine.state().instances.first { $0.instanceID == instance }?.status
                #expect(status == "SUSPENDED")
            }
        }
    }

    @Test("taken over while following the jobs: their ends are not recorded, nothing more is called")
    func takenOverWhileFollowing() async throws {
        try await Self.withHosts { hosts in
            let cloud = SteppingIn(cloud: hosts.cloud, at: .firstJobRead) { try await hosts.betaTakesOver() }
            let result = try await hosts.pass(hosts.reconciler(cloud: cloud, locks: hosts.alpha))
            #expect(try Self.lostLease(result).contains("host beta holds lease 2"))
            #expect(await hosts.posts().count == 2, "both sides were called before the loss, none after")
            let kinds = try await hosts.kinds()
            #expect(
                kinds.filter { $0.hasPrefix("pause_") || $0.hasPrefix("job_") } == [
                    "pause_intent primary", "pause_outcome primary", "pause_intent standby", "pause_outcome standby",
                ])
        }
    }

    @Test("a renewing holder keeps its lease through minutes of jobs on simulated time")
    func renewalThroughLongJobs() async throws {
        try await Self.withHosts { hosts in
            // Alpha's renewal wakes as the pass's own polls move time: a job of over four minutes
            // outlasts eight leases, and the jobs' ends are still recorded under alpha's one token.
            let renewing = InMemoryPairLeases(
                table: hosts.alpha.table, host: "alpha", clock: hosts.clock.background, margin: Self.margin)
            await hosts.cloud.engine.setFaults(EmulatorFaults(jobDelayMilliseconds: 280_000))
            let result = try await hosts.pass(hosts.reconciler(cloud: hosts.cloud, locks: renewing))
            #expect(result.verdict == .converged)
            #expect(hosts.clock.elapsedTime > .seconds(280))
            #expect(await hosts.posts().count == 2)
            let kinds = try await hosts.kinds()
            #expect(kinds.filter { $0.hasPrefix("job_completed") }.count == 2)
        }
    }
}
