import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import Logging
import Synchronization
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowSchedule
import Testing

/// The cloud moves a DR pair only once BOTH sides were called (the harsher reading the
/// emulator plays): a pass interrupted between the two sides, or a call the cloud accepted and
/// never carried out, must not leave the pair stuck for the window, nor be blamed on a person.
@Suite("two-sided calls over in-memory drivers")
struct TwoSidedCallTests {
    static let inWindow = "2026-12-01T01:31:00Z"
    static let afterWindow = "2026-12-01T03:31:00Z"
    static let primary = "orders-primary-in12"
    static let standby = "orders-standby-in12"

    /// The cloud takes the first `action` call on `instanceID`, then the answer is lost on the
    /// way back (as when the pass is killed, or the connection drops, before it arrives).
    final class AnswerLost: GeminiDBService {
        let cloud: InMemoryGeminiDB
        let action: SyncAction
        let instanceID: String
        let lost = Mutex(false)

        init(cloud: InMemoryGeminiDB, action: SyncAction, instanceID: String) {
            self.cloud = cloud
            self.action = action
            self.instanceID = instanceID
        }

        func setDataSynchronization(_ action: SyncAction, on instance: InstanceRef) async throws(GeminiDBError)
            -> String
        {
            let jobID = try await cloud.setDataSynchronization(action, on: instance)
            let loseIt =
                action == self.action && instance.instanceID == instanceID
                && lost.withLock { wasLost in
                    defer { wasLost = true }
                    return !wasLost
                }
            if loseIt { throw .outcomeUnknown("the connection closed before the answer") }
            return jobID
        }
        func syncStatus(of instance: InstanceRef) async throws(GeminiDBError) -> DataSyncStatusResponse {
            try await cloud.syncStatus(of: instance)
        }
        func job(id: String, on instance: InstanceRef) async throws(GeminiDBError) -> Job? {
            try await cloud.job(id: id, on: instance)
        }
        func jobs(_ query: JobQuery, on instance: InstanceRef) async throws(GeminiDBError) -> [Job] {
            try await cloud.jobs(query, on: instance)
        }
        func instance(_ instance: InstanceRef) async throws(GeminiDBError) -> InstanceInfo? {
            try await cloud.instance(instance)
        }
    }

    static func pass(_ system: InMemorySystem, over cloud: any GeminiDBService, at: String) async throws
        -> PairPassResult
    {
        let reconciler = Reconciler(
            configuration: system.config, cloud: cloud, audit: system.audit, logger: Logger(label: "test"),
            clock: system.clock, locks: system.locks)
        let result = try await reconciler.runPass(
            ReconcileOptions(
                at: RFC3339.parse(at)!, pairs: ["orders"], lockTimeout: .seconds(10), jobTimeout: .seconds(300),
                pollInterval: .seconds(2)))
        return try #require(result.pairs.first)
    }

    func posts(_ system: InMemorySystem, _ instanceID: String) async -> [String] {
        await system.posts().filter { $0.path.contains(instanceID) && $0.status == 202 }.map(\.path)
    }

    @Test("a pass cut off after the primary's pause: both sides read SUSPENDING; the next pass calls the standby")
    func pauseCutBetweenSides() async throws {
        try await InMemorySystem.with { system in
            // Given a pass whose pause on the primary reached the cloud but whose answer was lost
            let cut = AnswerLost(cloud: system.cloud, action: .pause, instanceID: Self.primary)
            let first = try await Self.pass(system, over: cut, at: Self.inWindow)
            #expect(first.problem != nil)
            // Then the cloud shows the pair half-called: both SUSPENDING, whatever job finished
            system.clock.advance(by: .seconds(60))
            #expect(await system.status(Self.primary) == "SUSPENDING")
            #expect(await system.status(Self.standby) == "SUSPENDING")
            // When the next pass runs
            let started = system.clock.elapsedTime
            let second = try await Self.pass(system, over: system.cloud, at: Self.inWindow)
            // Then it calls the standby before waiting on anything, and the window is served
            #expect(second.problem == nil, "\(String(describing: second.problem))")
            #expect(second.reached)
            #expect(await system.status(Self.primary) == "SUSPENDED")
            #expect(await system.status(Self.standby) == "SUSPENDED")
            #expect(await posts(system, Self.primary).count == 1, "the primary is not called twice")
            #expect(await posts(system, Self.standby).count == 1)
            #expect(system.clock.elapsedTime - started < .seconds(60), "no wait for the job timeout")
            let landed = try await system.audit.events(AuditQuery(pair: "orders", kinds: [.pauseOutcome]))
            #expect(landed.map(\.event.auditOutcome) == [.landed, .accepted])
        }
    }

    @Test("a pass cut off after the primary's resume: both sides read RECOVERYING; the next pass calls the standby")
    func resumeCutBetweenSides() async throws {
        try await InMemorySystem.with { system in
            // Given the pair paused by syncwindow in the window
            #expect(try await Self.pass(system, over: system.cloud, at: Self.inWindow).reached)
            // And, after the window, a pass whose resume on the primary reached the cloud, answer lost
            let cut = AnswerLost(cloud: system.cloud, action: .resume, instanceID: Self.primary)
            let first = try await Self.pass(system, over: cut, at: Self.afterWindow)
            #expect(first.problem != nil)
            system.clock.advance(by: .seconds(60))
            #expect(await system.status(Self.primary) == "RECOVERYING")
            #expect(await system.status(Self.standby) == "RECOVERYING")
            // When the next pass runs
            let second = try await Self.pass(system, over: system.cloud, at: Self.afterWindow)
            // Then it resumes the standby, and the pair syncs again
            #expect(second.problem == nil, "\(String(describing: second.problem))")
            #expect(await system.status(Self.primary) == "SYNCING")
            #expect(await system.status(Self.standby) == "SYNCING")
            #expect(await posts(system, Self.primary).count == 2, "one pause, one resume")
            #expect(await posts(system, Self.standby).count == 2)
        }
    }

    @Test("a pause accepted and never carried out is re-issued with its reason, never recorded as released")
    func lostCallIsReissued() async throws {
        try await InMemorySystem.with { system in
            // Given a cloud that accepts the primary's pause (202, job id) and loses it
            await system.cloud.engine.setFaults(EmulatorFaults(jobDelayMilliseconds: 500, loseNextCalls: 1))
            let first = try await Self.pass(system, over: system.cloud, at: Self.inWindow)
            // Then the pass fails naming the job that never appeared
            let lostJob = try #require(
                try await system.audit.events(AuditQuery(pair: "orders", kinds: [.pauseOutcome])).first?.event.jobID)
            guard case .callFailed(let reason) = first.problem else {
                Issue.record("unexpected \(String(describing: first.problem))")
                return
            }
            #expect(reason.contains("job \(lostJob) on primary was accepted but the cloud's jobs list never showed it"))
            // When the next pass runs, a minute later
            system.clock.advance(by: .seconds(60))
            let second = try await Self.pass(system, over: system.cloud, at: "2026-12-01T01:37:00Z")
            // Then it calls the primary again, saying why, and the window is served
            #expect(second.problem == nil, "\(String(describing: second.problem))")
            #expect(await system.status(Self.primary) == "SUSPENDED")
            #expect(await system.status(Self.standby) == "SUSPENDED")
            let intents = try await system.audit.events(AuditQuery(pair: "orders", kinds: [.pauseIntent]))
            let reissue = try #require(intents.last { $0.event.side == .primary })
            #expect(intents.filter { $0.event.side == .primary }.count == 2)
            #expect(
                reissue.event.reason?.hasPrefix("re-issued pause on primary: the cloud accepted job \(lostJob)") == true
            )
            #expect(try await system.audit.events(AuditQuery(pair: "orders", kinds: [.drift])).isEmpty)
        }
    }

    @Test("a re-issued call that does not take either fails loudly naming the job, and is not called a third time")
    func lostTwiceFailsLoudly() async throws {
        try await InMemorySystem.with { system in
            // Given a cloud that loses the primary's pause, and then its re-issue
            await system.cloud.engine.setFaults(EmulatorFaults(jobDelayMilliseconds: 500, loseNextCalls: 1))
            _ = try await Self.pass(system, over: system.cloud, at: Self.inWindow)
            await system.cloud.engine.setFaults(EmulatorFaults(jobDelayMilliseconds: 500, loseNextCalls: 1))
            system.clock.advance(by: .seconds(60))
            _ = try await Self.pass(system, over: system.cloud, at: "2026-12-01T01:37:00Z")
            let reissued = try #require(
                try await system.audit.events(AuditQuery(pair: "orders", kinds: [.pauseOutcome])).last?.event.jobID)
            // When the next pass runs
            system.clock.advance(by: .seconds(60))
            let third = try await Self.pass(system, over: system.cloud, at: "2026-12-01T01:43:00Z")
            // Then it fails loudly, naming the re-issued job, without a third call or a drift
            guard case .blocked(let reason) = third.problem else {
                Issue.record("unexpected \(String(describing: third.problem))")
                return
            }
            #expect(reason.contains("pause on primary did not take twice"))
            #expect(reason.contains("job \(reissued)"))
            #expect(await posts(system, Self.primary).count == 2)
            #expect(try await system.audit.events(AuditQuery(pair: "orders", kinds: [.drift])).isEmpty)
        }
    }
}
