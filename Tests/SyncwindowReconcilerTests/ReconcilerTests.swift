import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowReport
import SyncwindowSchedule
import SyncwindowTestSupport
import Testing

/// End to end over loopback: real config files, real HTTP + AK/SK to the emulator, real SQLite.
@Suite("Reconcile passes against the emulator")
struct ReconcilerTests {
    static let inWindow = "2026-12-01T01:31:00Z"
    static let afterWindow = "2026-12-01T03:31:00Z"

    @Test("a window opening pauses both instances of every pair with one POST each; a second pass does nothing")
    func windowOpensThenIdempotent() async throws {
        try await ReconcilerSystem.with { system in
            let first = try await system.pass(at: Self.inWindow)
            #expect(first.verdict == .converged)
            #expect(first.pairs.allSatisfy { $0.reached && $0.desired.state == .paused })
            #expect(await system.posts().count == 4)
            for instance in [
                "orders-primary-in12", "orders-standby-in12", "sessions-primary-in12", "sessions-standby-in12",
            ] {
                #expect(await system.status(of: instance) == "SUSPENDED")
                #expect(await system.posts().filter { $0.path.contains(instance) }.count == 1)
            }
            let eventsAfterFirst = try await system.audit.events().count

            let second = try await system.pass(at: Self.inWindow)
            #expect(second.verdict == .converged)
            #expect(second.pairs.allSatisfy { $0.reached && $0.actions.isEmpty })
            #expect(await system.posts().count == 4)
            #expect(try await system.audit.events().count == eventsAfterFirst, "an idle pass writes nothing")

            let kinds = try await system.kinds(pair: "orders")
            #expect(
                kinds == [
                    "window_opened", "pair_instances", "pause_intent", "pause_outcome", "pause_intent",
                    "pause_outcome", "job_completed", "job_completed",
                ])
            let all = try await system.audit.events()
            #expect(all.filter { $0.event.kind == .passStarted }.count == 1, "one pass_started per pass")
            #expect(all.first?.event.kind == .passStarted)
            #expect(all.first?.event.detail == "config sha256=\(system.config.contentHash)")
            #expect(all.last?.event.kind == .passFinished)
        }
    }

    @Test("every POST is preceded by its intent and followed by its outcome with the job id")
    func intentsAndOutcomesBracketEveryCall() async throws {
        try await ReconcilerSystem.with { system in
            try await system.pass(at: Self.inWindow)
            let events = try await system.audit.events()
            let intents = events.filter { $0.event.kind == .pauseIntent }
            #expect(intents.count == 4)
            for intent in intents {
                let outcome = try #require(events.first { $0.event.intentID == intent.id })
                #expect(outcome.id > intent.id)
                #expect(outcome.event.outcome == "accepted")
                #expect(outcome.event.jobID?.isEmpty == false)
                #expect(outcome.event.side == intent.event.side)
            }
            guard case .intact(let count, _) = try await system.audit.verify() else {
                Issue.record("the audit chain must verify")
                return
            }
            #expect(count == events.count)
        }
    }

    @Test("the window closing resumes what syncwindow paused, once")
    func windowClosesAndResumes() async throws {
        try await ReconcilerSystem.with { system in
            try await system.pass(at: Self.inWindow)
            let closed = try await system.pass(at: Self.afterWindow)
            #expect(closed.verdict == .converged)
            #expect(closed.pairs.allSatisfy { $0.reached && $0.desired.state == .syncing })
            #expect(await system.status(of: "orders-primary-in12") == "SYNCING")
            #expect(await system.posts().count == 8)
            try await system.pass(at: Self.afterWindow)
            #expect(await system.posts().count == 8)
            let kinds = try await system.kinds(pair: "orders")
            #expect(kinds.contains("window_closed"))
            #expect(kinds.filter { $0 == "resume_outcome" }.count == 2)
        }
    }

    @Test("overlapping windows on one pair merge: paused from the earliest open to the latest close")
    func overlappingWindowsMerge() async throws {
        let windows = [
            "w.yaml": """
            windows:
              - name: first
                cron: "30 1 * * *"
                duration: 2h
                pairs: [orders]
              - name: second
                cron: "0 2 * * *"
                timezone: Europe/Berlin
                duration: 2h
                pairs: [orders]
            """
        ]
        try await ReconcilerSystem.with(windows: windows) { system in
            // Berlin is UTC+1 in December: "second" runs 01:00-03:00Z, "first" 01:30-03:30Z.
            for at in ["2026-12-01T01:01:00Z", "2026-12-01T01:31:00Z", "2026-12-01T03:01:00Z"] {
                let result = try await system.pass(at: at, pairs: ["orders"])
                #expect(result.pairs[0].desired.state == .paused, "\(at)")
            }
            #expect(await system.posts().count == 2)
            let closing = try await system.pass(at: "2026-12-01T03:31:00Z", pairs: ["orders"])
            #expect(closing.pairs[0].desired.state == .syncing)
            #expect(await system.posts().count == 4)
            let events = try await system.audit.events(
                AuditQuery(pair: "orders", kinds: [.windowOpened, .windowClosed]))
            #expect(
                events.map { "\($0.event.kind.rawValue) \($0.event.window ?? "")" } == [
                    "window_opened second", "window_opened first", "window_closed second", "window_closed first",
                ])
        }
    }

    @Test("a pair paused by someone else is drift: reported once, left alone, exit 1")
    func foreignPauseIsDrift() async throws {
        try await ReconcilerSystem.with { system in
            _ = await system.emulator.engine.forceStatus("SUSPENDED", instanceID: "orders-primary-in12")
            _ = await system.emulator.engine.forceStatus("SUSPENDED", instanceID: "orders-standby-in12")
            let result = try await system.pass(at: Self.afterWindow)
            #expect(result.verdict == .notConverged)
            let orders = try #require(result.pairs.first { $0.pair == "orders" })
            #expect(orders.problem == .drift("primary SUSPENDED, standby SUSPENDED"))
            #expect(await system.posts().isEmpty)
            try await system.pass(at: Self.afterWindow)
            #expect(try await system.kinds(pair: "orders").filter { $0 == "drift" }.count == 1)
            let status = try await PairStatusReader.read(
                configuration: system.config, audit: system.audit, at: RFC3339.parse(Self.afterWindow)!)
            let ordersStatus = try #require(status.first { $0.pair == "orders" })
            #expect(ordersStatus.drift != nil)
            #expect(status.first { $0.pair == "sessions" }?.drift == nil)
            // `status` shows the drift once: the pass's recorded problem is the drift event's own.
            #expect(ordersStatus.driftProblem == orders.problem)
            #expect(ordersStatus.lastError?.message == orders.problem?.description)
        }
    }

    @Test("someone resuming by hand inside a window is not fought: let go until the next window")
    func manualResumeIsNotFought() async throws {
        try await ReconcilerSystem.with { system in
            try await system.pass(at: Self.inWindow, pairs: ["orders"])
            #expect(await system.posts().count == 2)
            _ = await system.emulator.engine.forceStatus("SYNCING", instanceID: "orders-primary-in12")
            _ = await system.emulator.engine.forceStatus("SYNCING", instanceID: "orders-standby-in12")

            let noticed = try await system.pass(at: "2026-12-01T01:40:00Z", pairs: ["orders"])
            #expect(noticed.verdict == .notConverged)
            #expect(noticed.pairs[0].problem == .released("primary SYNCING, standby SYNCING"))
            let released = try await system.audit.events(AuditQuery(pair: "orders", kinds: [.drift]))
            #expect(released.map(\.event.outcome) == ["released", "released"])
            let status = try await PairStatusReader.read(
                configuration: system.config, audit: system.audit, at: RFC3339.parse("2026-12-01T01:40:00Z")!)
            let ordersStatus = try #require(status.first { $0.pair == "orders" })
            #expect(ordersStatus.driftProblem == noticed.pairs[0].problem)
            #expect(ordersStatus.lastError?.message == noticed.pairs[0].problem?.description)

            let later = try await system.pass(at: "2026-12-01T02:00:00Z", pairs: ["orders"])
            #expect(later.verdict == .converged)
            #expect(later.pairs[0].desired.state == .syncing)
            #expect(await system.posts().count == 2, "no re-pause inside the same window")

            let closed = try await system.pass(at: Self.afterWindow, pairs: ["orders"])
            #expect(closed.verdict == .converged)
            #expect(await system.posts().count == 2, "nothing to resume: it is syncing and no longer ours")

            let nextNight = try await system.pass(at: "2026-12-02T01:31:00Z", pairs: ["orders"])
            #expect(nextNight.verdict == .converged)
            #expect(await system.posts().count == 4, "the next window pauses again")

            let report = try await PeriodReport.build(
                configuration: system.config, audit: system.audit, since: RFC3339.parse("2026-12-01T00:00:00Z")!,
                until: RFC3339.parse("2026-12-02T00:00:00Z")!, pairs: ["orders"])
            let paused = try #require(report.first?.pausedSeconds)
            #expect(abs(paused - 9 * 60) < 0.5, "paused 01:31 to 01:40, when it was resumed by hand: \(paused)")
        }
    }

    @Test("an operator's hold beats the schedule, and clearing it hands the pair back")
    func overridesBeatWindows() async throws {
        try await ReconcilerSystem.with { system in
            let at = RFC3339.parse(Self.inWindow)!
            try await system.audit.append(
                NewAuditEvent(
                    at: at, pair: "orders", kind: .overrideSet, outcome: "syncing", actor: "alice", reason: "INC-1",
                    until: at.addingTimeInterval(3600)))
            let held = try await system.pass(at: Self.inWindow)
            #expect(held.pairs.first { $0.pair == "orders" }?.desired.state == .syncing)
            #expect(await system.status(of: "orders-primary-in12") == "SYNCING")
            #expect(await system.status(of: "sessions-primary-in12") == "SUSPENDED")

            try await system.audit.append(
                NewAuditEvent(at: at, pair: "orders", kind: .overrideCleared, actor: "alice", reason: "done"))
            try await system.pass(at: Self.inWindow)
            #expect(await system.status(of: "orders-primary-in12") == "SUSPENDED")

            // Outside any window, a hold-paused keeps the pair paused until it expires.
            let late = RFC3339.parse(Self.afterWindow)!
            try await system.audit.append(
                NewAuditEvent(
                    at: late, pair: "orders", kind: .overrideSet, outcome: "paused", actor: "bob", reason: "drill",
                    until: late.addingTimeInterval(600)))
            try await system.pass(at: Self.afterWindow)
            #expect(await system.status(of: "orders-primary-in12") == "SUSPENDED")
            #expect(await system.status(of: "sessions-primary-in12") == "SYNCING")
            try await system.pass(at: "2026-12-01T03:42:00Z")
            #expect(await system.status(of: "orders-primary-in12") == "SYNCING")
            #expect(try await system.kinds(pair: "orders").contains("override_expired"))
        }
    }

    @Test("cutoff: a pass that starts too late in a window does not pause, and says why once")
    func cutoffSkipsLatePauses() async throws {
        let windows = [
            "w.yaml": """
            windows:
              - name: late
                cron: "30 1 * * *"
                duration: 2h
                cutoff: 30m
                pairs: [orders]
            """
        ]
        try await ReconcilerSystem.with(windows: windows) { system in
            let result = try await system.pass(at: "2026-12-01T03:10:00Z")
            #expect(result.pairs.first { $0.pair == "orders" }?.desired.state == .syncing)
            #expect(await system.posts().isEmpty)
            try await system.pass(at: "2026-12-01T03:11:00Z")
            let skipped = try await system.audit.events(AuditQuery(pair: "orders", kinds: [.skipped]))
            #expect(skipped.count == 1)
            #expect(skipped.first?.event.reason?.hasPrefix("cutoff") == true)
        }
    }

    @Test("an exception date does not open the window, and the skip is recorded")
    func exceptionDate() async throws {
        let windows = [
            "w.yaml": """
            windows:
              - name: nightly
                cron: "30 1 * * *"
                duration: 2h
                pairs: [orders]
                except: [2026-12-01]
            """
        ]
        try await ReconcilerSystem.with(windows: windows) { system in
            try await system.pass(at: Self.inWindow)
            #expect(await system.posts().isEmpty)
            let skipped = try await system.audit.events(AuditQuery(pair: "orders", kinds: [.skipped]))
            #expect(skipped.first?.event.reason == "exception date 2026-12-01")
            try await system.pass(at: "2026-12-02T01:31:00Z")
            #expect(await system.posts().count == 2)
        }
    }

    @Test("an interrupted call is settled from live status, not repeated")
    func interruptedCallIsSettled() async throws {
        try await ReconcilerSystem.with { system in
            // A killed pass: the intent was recorded and the POST landed, but no outcome was written.
            let intent = try await system.audit.append(
                NewAuditEvent(
                    at: RFC3339.parse(Self.inWindow)!, pair: "orders", side: .primary, kind: .pauseIntent,
                    actor: "syncwindow"))
            let client = system.reconciler.cloud
            _ = try await client.setDataSynchronization(.pause, on: system.config.pairs[0].primary)
            try await system.pass(at: Self.inWindow, pairs: ["orders"])
            let posts = await system.posts()
            #expect(posts.filter { $0.path.contains("orders-primary") }.count == 1, "the landed call is not repeated")
            #expect(posts.filter { $0.path.contains("orders-standby") }.count == 1)
            let settled = try await system.audit.events().first { $0.event.intentID == intent.id }
            #expect(settled?.event.outcome == "landed")
            #expect(try await system.audit.unsettledIntents(pair: "orders").isEmpty)
            #expect(await system.status(of: "orders-standby-in12") == "SUSPENDED")
        }
    }

    @Test("a failed job fails the pass; the next pass converges")
    func failedJobConverges() async throws {
        var faults = EmulatorHarness.instantJobs
        faults.failNextJobs = 1
        try await ReconcilerSystem.with(faults: faults) { system in
            let first = try await system.pass(at: Self.inWindow, pairs: ["orders"])
            #expect(first.verdict == .notConverged)
            #expect(try await system.kinds(pair: "orders").contains("job_failed"))
            let second = try await system.pass(at: Self.inWindow, pairs: ["orders"])
            #expect(second.verdict == .converged)
            #expect(await system.status(of: "orders-primary-in12") == "SUSPENDED")
            #expect(await system.status(of: "orders-standby-in12") == "SUSPENDED")
        }
    }

    @Test("throttling and server errors are retried within the pass")
    func transientFaultsAreRetried() async throws {
        var faults = EmulatorHarness.instantJobs
        faults.throttleBurst = 2
        faults.retryAfterSeconds = 0
        try await ReconcilerSystem.with(
            faults: faults,
            retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))
        ) { system in
            let result = try await system.pass(at: Self.inWindow)
            #expect(result.verdict == .converged)
            #expect(await system.emulator.engine.requests().contains { $0.status == 429 })
        }
    }

    @Test("server errors at a 30% rate: passes converge within a few tries")
    func serverErrorsConverge() async throws {
        var faults = EmulatorHarness.instantJobs
        faults.errorRate = 0.3
        try await ReconcilerSystem.with(
            faults: faults, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20))
        ) { system in
            var passes = 0
            var result = try await system.pass(at: Self.inWindow)
            while result.verdict != .converged && passes < 8 {
                passes += 1
                result = try await system.pass(at: Self.inWindow)
            }
            #expect(result.verdict == .converged, "not converged after \(passes + 1) passes")
            #expect(await system.emulator.engine.requests().contains { $0.status == 500 })
            let accepted = await system.posts().filter { $0.status == 202 }
            #expect(accepted.count == 4, "one accepted POST per instance")
            #expect(try await system.audit.unsettledIntents(pair: "orders").isEmpty)
        }
    }

    @Test("IAM tokens revoked between passes: the next pass fetches a new token once and carries on")
    func tokenRevocationMidRun() async throws {
        try await ReconcilerSystem.with(passwordAuth: true) { system in
            #expect(try await system.pass(at: Self.inWindow).verdict == .converged)
            let tokensBefore = await system.emulator.engine.requests().filter { $0.path == "/v3/auth/tokens" }.count
            await system.emulator.engine.revokeTokens()
            let after = try await system.pass(at: Self.afterWindow)
            #expect(after.verdict == .converged)
            let requests = await system.emulator.engine.requests()
            #expect(requests.contains { $0.status == 401 })
            let tokensAfter = requests.filter { $0.path == "/v3/auth/tokens" }.count
            #expect(tokensAfter > tokensBefore)
            #expect(tokensAfter - tokensBefore <= 2, "one refetch per region, never a loop")
            #expect(await system.status(of: "orders-primary-in12") == "SYNCING")
        }
    }

    @Test("a dry run reads live state, calls no POST and notes what it would do")
    func dryRun() async throws {
        try await ReconcilerSystem.with { system in
            let result = try await system.pass(at: Self.inWindow, dryRun: true)
            #expect(result.verdict == .converged)
            #expect(await system.posts().isEmpty)
            let notes = try await system.audit.events(AuditQuery(kinds: [.dryRun]))
            #expect(notes.count == 2)
            #expect(notes.first?.event.detail?.hasPrefix("would pause primary and standby") == true)
            #expect(try await system.audit.events(AuditQuery(kinds: [.pauseIntent])).isEmpty)
            #expect(try await system.audit.events().count == 2, "a dry run writes only its dry_run notes")
        }
    }

    @Test("a report after one night counts one planned, honoured window with one pause and one resume")
    func reportAfterOneNight() async throws {
        try await ReconcilerSystem.with { system in
            try await system.pass(at: "2026-12-01T01:30:20Z")
            try await system.pass(at: "2026-12-01T03:30:05Z")
            let reports = try await PeriodReport.build(
                configuration: system.config, audit: system.audit, since: RFC3339.parse("2026-12-01T00:00:00Z")!,
                until: RFC3339.parse("2026-12-02T00:00:00Z")!)
            let orders = try #require(reports.first { $0.pair == "orders" })
            #expect(orders.windowsPlanned == 1)
            #expect(orders.windowsHonoured == 1)
            #expect(orders.windowsMissed == 0)
            #expect(orders.pauses == 1)
            #expect(orders.resumes == 1)
            #expect(orders.failures == 0)
            #expect(orders.maxPauseLatencySeconds == 20)
            #expect(abs(orders.pausedSeconds - (2 * 3600 - 15)) < 1)
        }
    }
}
