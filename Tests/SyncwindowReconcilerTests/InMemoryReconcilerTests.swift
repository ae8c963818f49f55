import Foundation
import GeminiDBEmulator
import Logging
import SyncwindowAudit
import SyncwindowLocks
import SyncwindowReconciler
import SyncwindowSchedule
import Testing

/// The pass's decide-and-act logic over in-memory drivers and a simulated clock: minutes of
/// jobs, polls and lock waits in milliseconds, with time asserted exactly.
@Suite("reconciler over in-memory drivers")
struct InMemoryReconcilerTests {
    static let slowJobs = EmulatorFaults(jobDelayMilliseconds: 90_000)

    @Test("a 90-second pause job is followed to completion by 2-second polls, on simulated time")
    func followsSlowJobs() async throws {
        try await InMemorySystem.with(faults: Self.slowJobs) { system in
            // Given a window open now and pause jobs that take 90 s
            // When one pass runs
            let result = try await system.pass()
            // Then both pairs are paused, one POST per instance, after about 90 s of simulated time
            #expect(result.verdict == .converged)
            #expect(result.pairs.allSatisfy { $0.reached && $0.desired.state == .paused })
            #expect(await system.posts().count == 4)
            for instance in ["orders-primary-in12", "orders-standby-in12"] {
                #expect(await system.status(instance) == "SUSPENDED")
            }
            let elapsed = system.clock.elapsedTime
            #expect(elapsed >= .seconds(90) && elapsed <= .seconds(96), "simulated time \(elapsed)")
            // And the trail's recorded_at follows the simulated clock too
            let completed = try await system.audit.events(AuditQuery(kinds: [.jobCompleted]))
            #expect(completed.count == 4)
            #expect(completed.allSatisfy { $0.recordedAt.timeIntervalSince(InMemorySystem.start) >= 90 })
        }
    }

    @Test("a job that outlives the job timeout fails the pass; the next pass, later, finds it done")
    func jobTimeout() async throws {
        try await InMemorySystem.with(faults: EmulatorFaults(jobDelayMilliseconds: 400_000)) { system in
            let first = try await system.pass()
            #expect(first.verdict == .notConverged)
            let orders = try #require(first.pairs.first { $0.pair == "orders" })
            guard case .callFailed(let reason) = orders.problem else {
                Issue.record("unexpected \(String(describing: orders.problem))")
                return
            }
            #expect(reason.contains("still running after the job timeout"))
            #expect(system.clock.elapsedTime >= .seconds(300))

            // 400 s after the POST the jobs are done: the next pass calls nothing and converges
            system.clock.advance(by: .seconds(120))
            let second = try await system.pass()
            #expect(second.verdict == .converged)
            #expect(await system.posts().count == 4, "no call repeated")
        }
    }

    @Test("a pair whose lock is held elsewhere is skipped after the lock timeout, with nothing recorded")
    func lockContention() async throws {
        try await InMemorySystem.with { system in
            // Given another invocation holding orders' lock
            let hold = try await system.locks.acquire(pair: "orders", timeout: .seconds(1))
            // When a pass runs with a 10 s lock timeout
            let result = try await system.pass(lockTimeout: .seconds(10))
            await hold.release()
            // Then orders is skipped (sessions is served), after 10 s of simulated waiting
            let orders = try #require(result.pairs.first { $0.pair == "orders" })
            #expect(orders.problem == .lockHeldElsewhere)
            #expect(result.pairs.first { $0.pair == "sessions" }?.reached == true)
            #expect(result.verdict == .lockContention)
            #expect(system.clock.elapsedTime >= .seconds(10))
            #expect(try await system.audit.events(AuditQuery(pair: "orders")).isEmpty)
            #expect(await system.posts().filter { $0.path.contains("orders") }.isEmpty)
        }
    }

    @Test("ownership is per side: a hand-paused primary keeps the pair paused after the window")
    func perSideOwnership() async throws {
        try await InMemorySystem.with { system in
            _ = await system.cloud.engine.forceStatus("SUSPENDED", instanceID: "orders-primary-in12")
            let open = try await system.pass(at: "2026-12-01T01:31:00Z")
            #expect(open.pairs.first { $0.pair == "orders" }?.actions.count == 1, "only the standby is paused")
            let closed = try await system.pass(at: "2026-12-01T03:31:00Z")
            let orders = try #require(closed.pairs.first { $0.pair == "orders" })
            #expect(orders.problem?.isDrift == true)
            #expect(await system.status("orders-primary-in12") == "SUSPENDED")
            #expect(await system.status("orders-standby-in12") == "SUSPENDED")
            #expect(closed.pairs.first { $0.pair == "sessions" }?.reached == true)
        }
    }

    @Test("a pair renamed while paused is not handed back: the renamed pair governs its instances, no fight")
    func renamedPairIsNotHandedBack() async throws {
        try await InMemorySystem.with { system in
            // Given both pairs paused by the open window
            #expect(try await system.pass(at: "2026-12-01T01:31:00Z").verdict == .converged)
            // When orders is renamed in the config (same instances) and passes run inside the window
            var renamed = system.config
            renamed.pairs = renamed.pairs.map { pair in
                var pair = pair
                if pair.name == "orders" { pair.name = "orders-renamed" }
                return pair
            }
            let reconciler = Reconciler(
                configuration: renamed, cloud: system.cloud, audit: system.audit, logger: Logger(label: "test"),
                clock: system.clock, locks: system.locks)
            for minute in [40, 50] {
                let result = try await reconciler.runPass(
                    ReconcileOptions(at: RFC3339.parse("2026-12-01T01:\(minute):00Z")!, pollInterval: .seconds(2)))
                // Then the old name is not handed back, and nothing is resumed under the renamed pair's window
                #expect(!result.pairs.contains { $0.pair == "orders" })
                #expect(result.pairs.first { $0.pair == "orders-renamed" }?.desired.state == .paused)
            }
            #expect(await system.posts().count == 4, "no resume, no re-pause")
            #expect(await system.status("orders-primary-in12") == "SUSPENDED")
        }
    }

    @Test("a run of nights: every window paused and resumed once, in milliseconds of real time")
    func manyNights() async throws {
        try await InMemorySystem.with(faults: Self.slowJobs) { system in
            let started = ContinuousClock.now
            for day in 1...14 {
                let date = String(format: "2026-12-%02d", day)
                #expect(try await system.pass(at: "\(date)T01:31:00Z").verdict == .converged)
                #expect(try await system.pass(at: "\(date)T03:31:00Z").verdict == .converged)
            }
            #expect(await system.posts().count == 14 * 8)
            #expect(await system.status("sessions-standby-in12") == "SYNCING")
            let verification = try await system.audit.verify()
            guard case .intact = verification else {
                Issue.record("trail broken: \(verification)")
                return
            }
            // Not a benchmark: a guard that no real sleep crept into the pass. Real time is
            // compared with the simulated time the passes slept, not with a fixed bound, so a
            // busy machine cannot fail it; a real sleep of the simulated length would.
            #expect(ContinuousClock.now - started < system.clock.elapsedTime / 10)
        }
    }
}
