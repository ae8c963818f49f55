import Foundation
import GeminiDBEmulator
import SyncwindowAudit
import SyncwindowTestSupport
import Testing

@testable import SyncwindowReconciler

/// How a pass follows its jobs: soon after the POSTs, backing off to the poll interval, the
/// pair's jobs on one schedule; and how it reports its pairs.
@Suite("job following")
struct JobFollowingTests {
    @Test("polls wait a quarter of the interval, then twice as long each time, up to the interval")
    func pollingBacksOff() {
        var polling = JobPolling(interval: .seconds(2))
        let delays = (0..<5).map { _ in polling.nextDelay() }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(2), .seconds(2)])
    }

    @Test("a one-second job is seen done half a second after it ends, not a poll interval later")
    func shortJobSeenSoon() async throws {
        try await InMemorySystem.with(faults: EmulatorFaults(jobDelayMilliseconds: 1_000)) { system in
            // Given pause jobs of one second and a 2-second poll interval
            // When a pass pauses one pair (alone: the simulated clock serves one sleeper exactly)
            let result = try await Self.passOverOrders(system)
            // Then it converges at 1.5 s of simulated time: polls at 0.5 s (running) and 1.5 s (done)
            #expect(result.verdict == .converged)
            #expect(system.clock.elapsedTime == .milliseconds(1_500), "simulated time \(system.clock.elapsedTime)")
        }
    }

    @Test("a pair's jobs share one schedule: the standby's is read once, right after the primary's is done")
    func sidesOnOneSchedule() async throws {
        try await InMemorySystem.with(faults: EmulatorFaults(jobDelayMilliseconds: 9_000)) { system in
            // Given pause jobs of nine seconds
            // When a pass pauses one pair
            let result = try await Self.passOverOrders(system)
            #expect(result.verdict == .converged)
            // Then each primary's job is read at 0.5, 1.5, 3.5, 5.5, 7.5 (running) and 9.5 s (done),
            // and each standby's once, at 9.5 s: no read while the primary's is known to run
            let outcomes = try await system.audit.events(AuditQuery(kinds: [.pauseOutcome]))
            let requests = await system.cloud.engine.requests()
            for outcome in outcomes {
                let jobID = try #require(outcome.event.jobID)
                let reads = requests.filter { $0.method == "GET" && ($0.query ?? "").contains(jobID) }
                #expect(reads.count == (outcome.event.side == .primary ? 6 : 1), "\(outcome.event.side!) job reads")
            }
            #expect(system.clock.elapsedTime == .milliseconds(9_500))
        }
    }

    /// A pass over `orders` alone, at the simulated clock's start.
    static func passOverOrders(_ system: InMemorySystem) async throws -> PassResult {
        try await system.reconciler.runPass(
            ReconcileOptions(at: system.clock.wallNow(), pairs: ["orders"], pollInterval: .seconds(2)))
    }

    @Test("a job still running at the job timeout fails the pair with the job named")
    func jobTimeoutNamesJob() async throws {
        try await InMemorySystem.with(faults: EmulatorFaults(jobDelayMilliseconds: 400_000)) { system in
            let result = try await system.pass()
            let orders = try #require(result.pairs.first { $0.pair == "orders" })
            guard case .callFailed(let reason) = orders.problem else {
                Issue.record("unexpected \(String(describing: orders.problem))")
                return
            }
            #expect(reason.contains("pause job") && reason.contains("still running after the job timeout"))
            #expect(try await system.audit.events(AuditQuery(kinds: [.jobCompleted])).isEmpty)
        }
    }

    @Test("results keep the config's order, whatever order the pairs finish in")
    func resultsInConfigOrder() async throws {
        try await InMemorySystem.with { system in
            // Given the first configured pair locked elsewhere, so that it finishes last
            let hold = try await system.locks.acquire(pair: "orders", timeout: .seconds(1))
            let result = try await system.pass(lockTimeout: .seconds(10))
            await hold.release()
            // Then the results still list the pairs as the config does
            #expect(result.pairs.map(\.pair) == system.config.pairs.map(\.name))
            #expect(result.pairs.first?.problem == .lockHeldElsewhere)
        }
    }
}
