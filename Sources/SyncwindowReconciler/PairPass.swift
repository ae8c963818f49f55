import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowSchedule

/// One pair's part of a pass, under the pair's lock: settle, decide, act, follow, confirm.
struct PairPass {
    let reconciler: Reconciler
    let pair: PairConfig
    let options: ReconcileOptions
    let recorder: PassRecorder

    private var cloud: any GeminiDBService { reconciler.cloud }
    private var logger: Logger {
        var logger = reconciler.logger
        logger[metadataKey: "pair.name"] = "\(pair.name)"
        return logger
    }

    func runLocked() async throws -> PairPassResult {
        let path = reconciler.lockPath(forPair: pair.name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let lock: FileLock
        do {
            lock = try await FileLock.acquire(path: path, timeout: options.lockTimeout, clock: reconciler.clock)
        } catch FileLock.Failure.heldElsewhere {
            logger.warning("Another invocation holds the pair's lock; skipping the pair")
            let desired = try await evaluate(ledger: try await ledger())
            return PairPassResult(
                pair: pair.name, desired: desired, live: nil, reached: false, actions: [],
                problem: "another syncwindow invocation holds the lock on this pair", lockUnavailable: true)
        }
        defer { lock.release() }
        return try await run()
    }

    private func ledger() async throws -> PairLedger {
        try await PairLedger.load(pair: pair.name, at: options.at, from: reconciler.audit)
    }

    private func evaluate(ledger: PairLedger) async throws -> DesiredState {
        ledger.desiredState(pair: pair.name, at: options.at, schedule: reconciler.schedule)
    }

    private func run() async throws -> PairPassResult {
        var ledger = try await ledger()
        if let expired = ledger.expiredOverride(at: options.at), !options.dryRun {
            try await recorder.record(
                .overrideExpired, pair: pair.name, outcome: expired.event.outcome,
                reason: "override by \(expired.event.actor) ended", until: expired.event.until)
        }
        let desired = try await evaluate(ledger: ledger)
        if !options.dryRun { try await recordWindowEdges(desired) }

        var live: LiveStatus
        do {
            live = try await readLive()
        } catch {
            return try await failed(
                desired: desired, live: nil, actions: [], problem: "cannot read live status: \(error)")
        }
        if !options.dryRun && !ledger.unsettledIntents.isEmpty {
            try await settle(ledger.unsettledIntents, live: live)
            ledger = try await self.ledger()
        }

        var actions: [String] = []
        // A pair may need more than one step (finish a half-done pause, then resume both);
        // each step re-reads the live state, so the loop only ever acts on what it sees.
        for _ in 0..<4 {
            let step = Step.decide(
                desired: desired.state, live: live, ownedSides: ledger.ownsPause, override: desired.override)
            switch step {
            case .done:
                return try await finished(desired: desired, live: live, actions: actions)
            case .drift(let detail):
                try await recordDrift(detail)
                return try await failed(desired: desired, live: live, actions: actions, problem: "drift: \(detail)")
            case .resumedBySomeoneElse(let detail):
                // A pause job that failed after its pass stopped following it looks the same
                // from outside; ask the cloud before blaming a person.
                if try await recordLateJobFailures(ownedSides: ledger.ownedSides) {
                    ledger = try await self.ledger()
                    continue
                }
                if !options.dryRun {
                    for side in ledger.ownedSides.sorted(by: { $0.rawValue < $1.rawValue }) {
                        try await recorder.record(
                            .drift, pair: pair.name, side: side, outcome: CallOutcome.released,
                            reason: "syncwindow's pause was undone by someone else; left syncing until the window closes",
                            detail: detail)
                    }
                }
                return try await failed(
                    desired: desired, live: live, actions: actions, problem: "drift: resumed by someone else (\(detail))")
            case .blocked(let problem):
                return try await failed(desired: desired, live: live, actions: actions, problem: problem)
            case .wait(let what):
                if options.dryRun {
                    try await recorder.record(
                        .dryRun, pair: pair.name, reason: desired.reason, detail: "would wait: \(what)")
                    return result(desired: desired, live: live, actions: ["would wait: \(what)"], problem: nil)
                }
                guard let settled = try await waitWhileTransitional(from: live) else {
                    return try await failed(
                        desired: desired, live: live, actions: actions, problem: "still \(what) after the job timeout")
                }
                live = settled
            case .call(let action, let sides, let why):
                if options.dryRun {
                    let detail =
                        "would \(action.rawValue) " + sides.map(\.rawValue).joined(separator: " and ") + " (\(why))"
                    try await recorder.record(.dryRun, pair: pair.name, reason: desired.reason, detail: detail)
                    return result(desired: desired, live: live, actions: [detail], problem: nil, reached: false)
                }
                let outcome = try await call(action, on: sides, reason: desired.reason)
                actions += outcome.actions
                if let problem = outcome.problem {
                    live = (try? await readLive()) ?? live
                    return try await failed(desired: desired, live: live, actions: actions, problem: problem)
                }
                ledger = try await self.ledger()
                do {
                    live = try await readLive()
                } catch {
                    return try await failed(
                        desired: desired, live: nil, actions: actions, problem: "cannot confirm live status: \(error)")
                }
            }
        }
        return try await failed(
            desired: desired, live: live, actions: actions, problem: "did not converge within one pass")
    }

    // MARK: - Live state

    private func readLive() async throws -> LiveStatus {
        async let primary = cloud.syncStatus(of: pair.primary)
        async let standby = cloud.syncStatus(of: pair.standby)
        return LiveStatus(primary: try await primary.status, standby: try await standby.status)
    }

    /// Polls until no side is SUSPENDING or RECOVERYING, or the job timeout passes.
    private func waitWhileTransitional(from live: LiveStatus) async throws -> LiveStatus? {
        let deadline = Deadline(after: options.jobTimeout, on: reconciler.clock)
        var current = live
        while Step.isTransitional(current.primary) || Step.isTransitional(current.standby) {
            guard !deadline.hasPassed() else { return nil }
            try await reconciler.clock.sleep(for: options.pollInterval)
            current = try await readLive()
        }
        return current
    }

    // MARK: - Calls

    private struct CallOutcomeSummary {
        var actions: [String] = []
        var problem: String?
    }

    /// POSTs `action` on each side — intent recorded first, outcome after — then follows the jobs.
    private func call(_ action: SyncAction, on sides: [PairSide], reason: String) async throws -> CallOutcomeSummary {
        let intentKind: AuditKind = action == .pause ? .pauseIntent : .resumeIntent
        let outcomeKind: AuditKind = action == .pause ? .pauseOutcome : .resumeOutcome
        var summary = CallOutcomeSummary()
        var jobs: [(PairSide, String)] = []
        for side in sides {
            let instance = self.instance(side)
            let intent = try await recorder.record(
                intentKind, pair: pair.name, side: side, reason: reason, detail: "instance \(instance.instanceID)")
            do {
                let jobID = try await cloud.setDataSynchronization(action, on: instance)
                try await recorder.record(
                    outcomeKind, pair: pair.name, side: side, outcome: CallOutcome.accepted, jobID: jobID,
                    detail: "instance \(instance.instanceID)", intentID: intent.id)
                summary.actions.append("\(action.rawValue) \(side.rawValue) (job \(jobID))")
                jobs.append((side, jobID))
            } catch let error as GeminiDBError where error.outcomeIsUnknown {
                // The request may have reached the cloud: leave the intent open for the next
                // pass to settle from live status, rather than guess.
                logger.warning("Call outcome unknown", metadata: ["side": "\(side.rawValue)", "error": "\(error)"])
                summary.problem =
                    "\(action.rawValue) on \(side.rawValue): outcome unknown (\(error)); the next pass settles it"
                break
            } catch {
                try await recorder.record(
                    outcomeKind, pair: pair.name, side: side, outcome: CallOutcome.error, reason: "\(error)",
                    detail: "instance \(instance.instanceID)", intentID: intent.id)
                summary.problem = "\(action.rawValue) on \(side.rawValue) failed: \(error)"
                break
            }
        }
        for (side, jobID) in jobs {
            if let problem = try await follow(job: jobID, action: action, side: side) {
                summary.problem = summary.problem ?? problem
            }
        }
        return summary
    }

    /// Follows a job until it completes or fails, or the job timeout passes. Returns a problem, if any.
    private func follow(job jobID: String, action: SyncAction, side: PairSide) async throws -> String? {
        let deadline = Deadline(after: options.jobTimeout, on: reconciler.clock)
        while true {
            let job: Job?
            do {
                job = try await cloud.job(id: jobID, on: instance(side))
            } catch {
                logger.warning("Cannot read job", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
                job = nil
            }
            switch job?.status {
            case "Completed":
                try await recorder.record(
                    .jobCompleted, pair: pair.name, side: side, outcome: CallOutcome.jobCompleted, jobID: jobID,
                    detail: action.rawValue)
                return nil
            case "Failed":
                let why = job?.failReason ?? "no reason given"
                try await recorder.record(
                    .jobFailed, pair: pair.name, side: side, outcome: CallOutcome.jobFailed, jobID: jobID, reason: why,
                    detail: action.rawValue)
                return "\(action.rawValue) job \(jobID) on \(side.rawValue) failed: \(why)"
            default:
                guard !deadline.hasPassed() else {
                    return "\(action.rawValue) job \(jobID) on \(side.rawValue) still running after the job timeout"
                }
                try await reconciler.clock.sleep(for: options.pollInterval)
            }
        }
    }

    /// Records `job_failed` for owned sides whose last pause job turns out to have failed.
    /// Returns whether it found any.
    private func recordLateJobFailures(ownedSides: Set<PairSide>) async throws -> Bool {
        guard !options.dryRun else { return false }
        var found = false
        for side in ownedSides {
            let last = try await reconciler.audit.latest(
                pair: pair.name, kinds: [.pauseOutcome], side: side, outcomes: [CallOutcome.accepted])
            guard let jobID = last?.event.jobID, let job = try? await cloud.job(id: jobID, on: instance(side)),
                job.status == "Failed"
            else { continue }
            try await recorder.record(
                .jobFailed, pair: pair.name, side: side, outcome: CallOutcome.jobFailed, jobID: jobID,
                reason: job.failReason ?? "no reason given", detail: SyncAction.pause.rawValue)
            found = true
        }
        return found
    }

    private func instance(_ side: PairSide) -> InstanceRef { side == .primary ? pair.primary : pair.standby }

    // MARK: - Recording

    /// Settles calls a killed pass left without an outcome, from what the cloud shows now.
    private func settle(_ intents: [AuditEvent], live: LiveStatus) async throws {
        for intent in intents {
            guard let side = intent.event.side else { continue }
            let status = side == .primary ? live.primary : live.standby
            let isPause = intent.event.kind == .pauseIntent
            let tookEffect =
                isPause
                ? ["SUSPENDING", "SUSPENDED", "RECOVERYING"].contains(status)
                : ["RECOVERYING", "SYNCING"].contains(status)
            try await recorder.record(
                isPause ? .pauseOutcome : .resumeOutcome, pair: pair.name, side: side,
                outcome: tookEffect ? CallOutcome.landed : CallOutcome.notApplied,
                reason: "settled after an interrupted pass: live status \(status)", detail: intent.event.detail,
                intentID: intent.id)
        }
    }

    private func recordWindowEdges(_ desired: DesiredState) async throws {
        let audit = reconciler.audit
        for occurrence in desired.openOccurrences {
            let start = RFC3339.format(occurrence.start, in: .gmt)
            if try await !audit.hasEvent(pair: pair.name, window: occurrence.window, kind: .windowOpened, detail: start)
            {
                try await recorder.record(
                    .windowOpened, pair: pair.name, window: occurrence.window,
                    reason: "until \(RFC3339.format(occurrence.end, in: .gmt))",
                    detail: start)
            }
        }
        let openNames = Set(desired.openOccurrences.map(\.window))
        for window in reconciler.schedule.windows(forPair: pair.name) where !openNames.contains(window.name) {
            let last = try await audit.latest(
                pair: pair.name, kinds: [.windowOpened, .windowClosed], window: window.name)
            guard let last, last.event.kind == .windowOpened else { continue }
            try await recorder.record(.windowClosed, pair: pair.name, window: window.name, detail: last.event.detail)
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
    private func recordDrift(_ detail: String) async throws {
        if options.dryRun { return }
        let last = try await reconciler.audit.latest(
            pair: pair.name, kinds: [.drift, .pauseOutcome, .resumeOutcome, .overrideSet, .overrideCleared])
        if last?.event.kind == .drift && last?.event.detail == detail { return }
        try await recorder.record(
            .drift, pair: pair.name, reason: "left alone: syncwindow did not pause it", detail: detail)
    }

    private func finished(desired: DesiredState, live: LiveStatus, actions: [String]) async throws -> PairPassResult {
        try await observe(live)
        return result(desired: desired, live: live, actions: actions, problem: nil, reached: true)
    }

    private func failed(desired: DesiredState, live: LiveStatus?, actions: [String], problem: String) async throws
        -> PairPassResult
    {
        if let live { try await observe(live) }
        if !options.dryRun && !problem.hasPrefix("drift"), try await isNewProblem(problem) {
            try await recorder.record(.error, pair: pair.name, reason: desired.reason, detail: problem)
        }
        logger.error("Pair did not reach its desired state", metadata: ["problem": "\(problem)"])
        return result(desired: desired, live: live, actions: actions, problem: problem)
    }

    /// A problem that persists (an instance with no DR relationship, a cloud outage) is
    /// recorded when it starts, not once a minute: stderr and `status` show every pass.
    private func isNewProblem(_ problem: String) async throws -> Bool {
        let last = try await reconciler.audit.latest(
            pair: pair.name,
            kinds: [.error, .pauseOutcome, .resumeOutcome, .jobCompleted, .jobFailed, .overrideSet, .overrideCleared])
        return !(last?.event.kind == .error && last?.event.detail == problem)
    }

    private func observe(_ live: LiveStatus) async throws {
        guard !options.dryRun else { return }
        try await reconciler.audit.recordObservation(
            pair: pair.name, LiveObservation(primary: live.primary, standby: live.standby, observedAt: options.at))
    }

    private func result(
        desired: DesiredState, live: LiveStatus?, actions: [String], problem: String?, reached: Bool = false
    ) -> PairPassResult {
        PairPassResult(
            pair: pair.name, desired: desired, live: live, reached: reached, actions: actions, problem: problem,
            lockUnavailable: false)
    }
}
