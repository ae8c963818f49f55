import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowSchedule

/// What a pair's pass writes down: settled calls, window edges, drift, results.
extension PairPass {
    /// Settles calls a killed pass left without an outcome. The cloud's own job record decides
    /// when it can be found (the jobs list, by name and the minutes after the intent was
    /// written, on the intent's instance): the settling event then carries its job id, and the
    /// job is returned to be followed once every side's call is made, so every call the cloud
    /// accepted is matched to its job in the trail. Otherwise the live status decides:
    /// `landed` if it shows the call's settled effect, else `not_applied`. A transitional status
    /// proves nothing of this side's call: after one side's call the cloud shows both sides
    /// SUSPENDING (RECOVERYING) until the other side is called.
    func settle(_ intents: [AuditEvent], live: LiveState) async throws -> [FollowedJob] {
        var known = Set(
            try await reconciler.audit.events(AuditQuery(pair: pair.name, kinds: [.pauseOutcome, .resumeOutcome]))
                .compactMap(\.event.jobID))
        var toFollow: [FollowedJob] = []
        for intent in intents {
            guard let side = intent.event.side else { continue }
            let action: SyncAction = intent.event.kind == .pauseIntent ? .pause : .resume
            let outcomeKind: AuditKind = action == .pause ? .pauseOutcome : .resumeOutcome
            if let job = await jobOfInterruptedCall(intent, action: action, side: side, known: known) {
                known.insert(job.id)
                try await recorder.record(
                    outcomeKind, pair: pair.name, side: side, outcome: .landed, jobID: job.id,
                    reason: "settled after an interrupted pass: the cloud's job \(job.id) is \(job.status)",
                    detail: intent.event.detail, intentID: intent.id)
                toFollow.append(FollowedJob(side: side, id: job.id, action: action))
                continue
            }
            let status = live[side]
            let tookEffect =
                action == .pause ? [.suspended, .recovering].contains(status) : status == .syncing
            try await recorder.record(
                outcomeKind, pair: pair.name, side: side,
                outcome: tookEffect ? .landed : .notApplied,
                reason: "settled after an interrupted pass: live status \(status)"
                    + (status.isTransitional && !tookEffect ? ", and the cloud lists no job of this call" : ""),
                detail: intent.event.detail, intentID: intent.id)
        }
        return toFollow
    }

    /// The job the cloud created for an intent's call, if the jobs list shows one: the first
    /// job of that name on that instance started from two minutes before the intent was
    /// written (clocks differ) to an hour after, that the trail does not already name. A
    /// failing search is not an error: live status still settles the call.
    func jobOfInterruptedCall(_ intent: AuditEvent, action: SyncAction, side: PairSide, known: Set<String>) async
        -> Job?
    {
        let written = intent.recordedAt
        let query = JobQuery(
            name: JobQuery.jobName(for: action), startTime: written.addingTimeInterval(-120),
            endTime: written.addingTimeInterval(3600))
        let instanceID = instance(side).instanceID
        let jobs: [Job]
        do {
            jobs = try await cloud.jobs(query, on: instance(side))
        } catch {
            logger.warning("Cannot search the jobs list", metadata: ["error": "\(error)"])
            return nil
        }
        return
            jobs
            .filter { $0.instance?.id == instanceID && !known.contains($0.id) }
            .min { (startOf($0) ?? .distantFuture) < (startOf($1) ?? .distantFuture) }
    }

    private func startOf(_ job: Job) -> Date? { job.startTime.flatMap(WireTime.parseJobTime) }

    func recordWindowEdges(_ desired: DesiredState, ledger: PairLedger) async throws {
        let audit = reconciler.audit
        for occurrence in desired.openOccurrences {
            let start = RFC3339.format(occurrence.start, in: .gmt)
            // Usually the ledger already shows it open; else ask (it may have opened and closed).
            let shownOpen = ledger.openWindowEdges.contains {
                $0.event.window == occurrence.window && $0.event.detail == start
            }
            if shownOpen { continue }
            if try await !audit.hasEvent(pair: pair.name, window: occurrence.window, kind: .windowOpened, detail: start)
            {
                try await recorder.record(
                    .windowOpened, pair: pair.name, window: occurrence.window,
                    reason: "until \(RFC3339.format(occurrence.end, in: .gmt))",
                    detail: start)
            }
        }
        // Close what the trail shows open and the schedule no longer does: a window that
        // closed, and also one renamed or removed from the config while it was open.
        let openNames = Set(desired.openOccurrences.map(\.window))
        for opened in ledger.openWindowEdges where !openNames.contains(opened.event.window ?? "") {
            try await recorder.record(
                .windowClosed, pair: pair.name, window: opened.event.window, detail: opened.event.detail)
        }
        for skipped in desired.skipped {
            let start = RFC3339.format(skipped.occurrence.start, in: .gmt)
            if try await !audit.hasEvent(
                pair: pair.name, window: skipped.occurrence.window, kind: .skipped, detail: start)
            {
                try await recorder.record(
                    .skipped, pair: pair.name, window: skipped.occurrence.window, reason: skipped.reason, detail: start)
            }
        }
    }

    /// Drift is recorded when first seen, not on every pass while it lasts.
    func recordDrift(_ detail: String, reason: String) async throws {
        if options.dryRun { return }
        let last = try await reconciler.audit.latest(
            pair: pair.name, kinds: [.drift, .pauseOutcome, .resumeOutcome, .overrideSet, .overrideCleared])
        if last?.event.kind == .drift && last?.event.detail == detail { return }
        try await recorder.record(
            .drift, pair: pair.name, reason: reason, detail: detail)
    }

    func finished(desired: DesiredState, live: LiveState, actions: [String]) async throws -> PairPassResult {
        try await observe(live)
        try await recordOutcome(problem: nil)
        return result(desired: desired, live: live, actions: actions, problem: nil, reached: true)
    }

    func failed(desired: DesiredState, live: LiveState?, actions: [String], problem: PairProblem) async throws
        -> PairPassResult
    {
        if let live { try await observe(live) }
        try await recordOutcome(problem: problem.description)
        // Drift has its own event; everything else is an `error`, recorded when it starts.
        if !options.dryRun && !problem.isDrift, try await isNewProblem(problem.description) {
            try await recorder.record(.error, pair: pair.name, reason: desired.reason, detail: problem.description)
        }
        logger.error("Pair did not reach its desired state", metadata: ["problem": "\(problem)"])
        return result(desired: desired, live: live, actions: actions, problem: problem)
    }

    /// A problem that persists (an instance with no DR relationship, a cloud outage) is
    /// recorded when it starts, not once a minute: stderr and `status` show every pass.
    func isNewProblem(_ problem: String) async throws -> Bool {
        let last = try await reconciler.audit.latest(
            pair: pair.name,
            kinds: [.error, .pauseOutcome, .resumeOutcome, .jobCompleted, .jobFailed, .overrideSet, .overrideCleared])
        return !(last?.event.kind == .error && last?.event.detail == problem)
    }

    func recordOutcome(problem: String?) async throws {
        guard !options.dryRun else { return }
        try await reconciler.audit.recordPassOutcome(pair: pair.name, PassOutcome(at: options.at, problem: problem))
    }

    func observe(_ live: LiveState) async throws {
        guard !options.dryRun else { return }
        try await reconciler.audit.recordObservation(
            pair: pair.name,
            LiveObservation(
                primary: live.primary.rawValue, standby: live.standby.rawValue, observedAt: options.at))
    }

    func result(
        desired: DesiredState, live: LiveState?, actions: [String], problem: PairProblem?, reached: Bool = false
    ) -> PairPassResult {
        PairPassResult(
            pair: pair.name, desired: desired, live: live, reached: reached, actions: actions, problem: problem)
    }
}
