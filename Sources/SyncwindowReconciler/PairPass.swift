import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowSchedule

/// One pair's part of a pass, under the pair's lock: settle, decide, act, follow, confirm.
struct PairPass {
    let reconciler: Reconciler
    let pair: PairConfig
    let options: ReconcileOptions
    let recorder: PassRecorder
    /// The pass's jobs, followed together (``JobFollower``).
    let follower: JobFollower
    /// The pair left the config while syncwindow still held a pause on it: the pass hands
    /// that pause back (see `RemovedPairs`).
    var removedFromConfig = false

    var cloud: any GeminiDBService { reconciler.cloud }
    var logger: Logger {
        var logger = reconciler.logger
        logger[metadataKey: "pair.name"] = "\(pair.name)"
        return logger
    }

    func runLocked() async throws -> PairPassResult {
        let hold: any PairLockHold
        do {
            hold = try await reconciler.locks.acquire(pair: pair.name, timeout: options.lockTimeout)
        } catch is PairLockUnavailable {
            logger.warning("Another invocation holds the pair's lock; skipping the pair")
            let desired = try await evaluate(ledger: try await ledger())
            return PairPassResult(
                pair: pair.name, desired: desired, live: nil, reached: false, actions: [],
                problem: .lockHeldElsewhere)
        }
        do {
            // The hold is renewed while the pair's work runs, by a child task of this scope.
            let result = try await ActingHold.$current.withValue(hold) { try await hold.renewing { try await run() } }
            await hold.release()
            return result
        } catch let lost as PairLeaseLost {
            await hold.release()
            return try await leaseLost(lost.reason)
        } catch AuditStoreError.fenced(_, let reason) {
            await hold.release()
            return try await leaseLost(reason)
        } catch {
            await hold.release()
            throw error
        }
    }

    /// Another host took the pair over mid-pass (this one froze, or lost the database for
    /// longer than the lease): stop at once, record nothing more, leave the pair to it.
    private func leaseLost(_ reason: String) async throws -> PairPassResult {
        logger.warning("Lost the pair's lease; stopping", metadata: ["reason": "\(reason)"])
        let desired = try await evaluate(ledger: try await ledger())
        return PairPassResult(
            pair: pair.name, desired: desired, live: nil, reached: false, actions: [], problem: .leaseLost(reason))
    }

    func ledger() async throws -> PairLedger {
        try await PairLedger.load(pair: pair.name, at: options.at, from: reconciler.audit)
    }

    func evaluate(ledger: PairLedger) async throws -> DesiredState {
        // A removed pair is no window's any more, not even a `"*"` window's.
        ledger.desiredState(
            pair: pair.name, at: options.at, schedule: removedFromConfig ? Schedule(windows: []) : reconciler.schedule)
    }

    /// The pass for this pair: write down what the operator and the clock decided, read the
    /// cloud, settle what a killed pass left open, then converge step by step.
    func run() async throws -> PairPassResult {
        let loaded = try await ledger()
        if let problem = trailAhead(loaded) {
            logger.error("Pair refused: its trail is ahead of this pass", metadata: ["problem": "\(problem)"])
            return PairPassResult(
                pair: pair.name, desired: try await evaluate(ledger: loaded), live: nil, reached: false, actions: [],
                problem: problem)
        }
        var ledger = try await recordOperatorAndExpiry(loaded)
        var desired = try await evaluate(ledger: ledger)
        if removedFromConfig && desired.override == nil {
            desired.reason = "no longer in the config: syncwindow hands back the pause it holds"
        }
        if !options.dryRun { try await recordWindowEdges(desired, ledger: ledger) }

        let live: LiveState
        do {
            live = try await readLive()
        } catch {
            let rejected: Bool
            if case .unauthorized = error as? GeminiDBError { rejected = true } else { rejected = false }
            return try await failed(
                desired: desired, live: nil, actions: [],
                problem: .cannotReadLive("\(error)", credentialsRejected: rejected))
        }
        var settledJobs: [FollowedJob] = []
        if !options.dryRun && !ledger.unsettledIntents.isEmpty {
            settledJobs = try await settle(ledger.unsettledIntents, live: live)
            ledger = try await self.ledger()
        }
        return try await converge(desired: desired, live: live, ledger: ledger, settledJobs: settledJobs)
    }

    /// On a shared store a pair's trail never runs backwards: a pass whose instant is well before
    /// the pair's newest event (a host with a clock far behind, a rehearsal's `--at` going back)
    /// records and calls nothing for it. Within twice the clock tolerance two healthy hosts
    /// racing at an edge are not refused.
    private func trailAhead(_ ledger: PairLedger) -> PairProblem? {
        guard !options.dryRun, let tolerance = reconciler.sharedStore?.trailOrderTolerance,
            let newest = ledger.newestEventAt, options.at < newest.addingTimeInterval(-tolerance)
        else { return nil }
        return .trailAhead(newest: newest, at: options.at)
    }

    /// An expiry is recorded before whatever the operator does now, so the trail reads in order.
    private func recordOperatorAndExpiry(_ ledger: PairLedger) async throws -> PairLedger {
        guard !options.dryRun else { return ledger }
        if let expired = ledger.expiredOverride(at: options.at) {
            try await recorder.record(
                .overrideExpired, pair: pair.name, overrideState: expired.event.overrideState,
                reason: "override by \(expired.event.actor) ended", until: expired.event.until)
        }
        guard let request = options.override, request.pair == pair.name else { return ledger }
        try await recorder.record(
            request.state == nil ? .overrideCleared : .overrideSet, pair: pair.name, overrideState: request.state,
            reason: request.reason, until: request.until)
        return try await self.ledger()
    }

    /// Where a pass stands between steps.
    struct Progress {
        var live: LiveState
        var ledger: PairLedger
        var actions: [String] = []
        /// Jobs of calls a killed pass left unfollowed (found while settling them): followed
        /// with the next step's calls, or before anything else waits.
        var settledJobs: [FollowedJob] = []
        /// syncwindow's standing calls as the ledger and the cloud's jobs show them.
        var calls: [PairSide: SideCall] = [:]
    }

    /// What acting on one step led to: another step, or the pair's result.
    enum StepOutcome {
        case next(Progress)
        case finished(PairPassResult)
    }

    /// Decides (``Step/decide(desired:live:ownedSides:override:handsOff:calls:)``, pure) and
    /// acts, until the pair is done or a step cannot go on. A pair may need more than one step
    /// (complete a half-called pause, follow it, then resume both); each acts only on what was
    /// just read.
    private func converge(
        desired: DesiredState, live: LiveState, ledger: PairLedger, settledJobs: [FollowedJob]
    ) async throws -> PairPassResult {
        var progress = Progress(live: live, ledger: ledger, settledJobs: settledJobs)
        for _ in 0..<6 {
            var review = try await reviewCalls(progress.ledger, live: progress.live)
            if review.recorded {
                progress.ledger = try await self.ledger()
                review = try await reviewCalls(progress.ledger, live: progress.live)
                // What the review recorded ended needs no following.
                let ledger = progress.ledger
                progress.settledJobs.removeAll { job in
                    ledger.calls[job.side].map { $0.jobID != job.id || $0.jobCompleted } ?? true
                }
            }
            progress.calls = review.calls
            let step = Step.decide(
                desired: desired.state, live: progress.live, ownedSides: progress.ledger.ownedSides,
                override: desired.override, handsOff: desired.releasedToOperator, calls: progress.calls)
            switch try await act(step, desired: desired, progress: progress) {
            case .next(let next): progress = next
            case .finished(let result): return result
            }
        }
        return try await failed(
            desired: desired, live: progress.live, actions: progress.actions, problem: .didNotConverge)
    }

    /// After acting: the ledger and the live state again, for the next decision. A pair that
    /// cannot be read now cannot be confirmed.
    private func reread(_ progress: Progress, desired: DesiredState) async throws -> StepOutcome {
        var progress = progress
        progress.ledger = try await ledger()
        do {
            progress.live = try await readLive()
        } catch {
            return .finished(
                try await failed(
                    desired: desired, live: nil, actions: progress.actions, problem: .cannotConfirm("\(error)")))
        }
        return .next(progress)
    }

    /// Follows the jobs settling found before a step that does not call: the pair may be
    /// waiting on them. Then the pair is read again and decided again.
    private func followSettledJobs(_ progress: Progress, desired: DesiredState) async throws -> StepOutcome {
        var progress = progress
        _ = try await follow(progress.settledJobs).problem
        progress.settledJobs = []
        return try await reread(progress, desired: desired)
    }

    /// Carries out one step: records, calls, waits. Dry runs record what they would do instead.
    private func act(_ step: Step, desired: DesiredState, progress: Progress) async throws -> StepOutcome {
        var progress = progress
        if !progress.settledJobs.isEmpty, !options.dryRun {
            if case .call = step {} else { return try await followSettledJobs(progress, desired: desired) }
        }
        switch step {
        case .done:
            return .finished(try await finished(desired: desired, live: progress.live, actions: progress.actions))
        case .drift(let detail, let reason):
            try await recordDrift(detail, reason: reason)
            return .finished(
                try await failed(
                    desired: desired, live: progress.live, actions: progress.actions, problem: .drift(detail)))
        case .resumedBySomeoneElse(let undone, let detail):
            // A pause job that failed after its pass stopped following it looks the same
            // from outside; ask the cloud before blaming a person.
            if try await recordLateJobFailures(ownedSides: Set(undone)) {
                progress.ledger = try await ledger()
                return .next(progress)
            }
            if !options.dryRun {
                for side in undone {
                    try await recorder.record(
                        .drift, pair: pair.name, side: side, outcome: .released,
                        reason: "syncwindow's pause was undone by someone else; left syncing until the window closes",
                        detail: detail)
                }
            }
            return .finished(
                try await failed(
                    desired: desired, live: progress.live, actions: progress.actions, problem: .released(detail)))
        case .blocked(let reason):
            return .finished(
                try await failed(
                    desired: desired, live: progress.live, actions: progress.actions, problem: .blocked(reason)))
        case .wait(let what):
            if options.dryRun {
                try await recorder.record(
                    .dryRun, pair: pair.name, reason: desired.reason, detail: "would wait: \(what)")
                return .finished(
                    result(desired: desired, live: progress.live, actions: ["would wait: \(what)"], problem: nil))
            }
            guard let settled = try await waitWhileTransitional(from: progress.live) else {
                return .finished(
                    try await failed(
                        desired: desired, live: progress.live, actions: progress.actions,
                        problem: .stillTransitional(what)))
            }
            progress.live = settled
            return .next(progress)
        case .call(let action, let sides, let why):
            if options.dryRun {
                let detail =
                    "would \(action.rawValue) " + sides.map(\.rawValue).joined(separator: " and ") + " (\(why))"
                try await recorder.record(.dryRun, pair: pair.name, reason: desired.reason, detail: detail)
                return .finished(
                    result(desired: desired, live: progress.live, actions: [detail], problem: nil, reached: false))
            }
            try await recordInstancesIfChanged()
            let outcome = try await call(
                action, on: sides, reason: desired.reason,
                reissues: reissueReasons(for: action, on: sides, calls: progress.calls, live: progress.live),
                alsoFollow: progress.settledJobs)
            progress.settledJobs = []
            progress.actions += outcome.actions
            if let problem = outcome.problem {
                let live = (try? await readLive()) ?? progress.live
                return .finished(
                    try await failed(
                        desired: desired, live: live, actions: progress.actions, problem: .callFailed(problem)))
            }
            // Every job followed completed: the cloud says the calls were carried out, and a pair settles once
            // both sides' jobs have, so their sides read as the calls leave them without asking again.
            // Sides nothing was called on keep what was read, and a side still in transition is read when
            // the next step waits on it.
            progress.ledger = try await ledger()
            for job in outcome.completed { progress.live[job.side] = .settled(after: job.action) }
            return .next(progress)
        }
    }

    /// Records which instances the pair names before the first call on them (and when they
    /// change), so a pause can be handed back even after the pair leaves the config.
    func recordInstancesIfChanged() async throws {
        let detail = RemovedPair.detail(for: pair)
        let recorded = try await reconciler.audit.latest(pair: pair.name, kinds: [.pairInstances])
        if recorded?.event.detail != detail {
            try await recorder.record(.pairInstances, pair: pair.name, detail: detail)
        }
    }

    // MARK: - Live state

    func readLive() async throws -> LiveState {
        async let primary = cloud.syncStatus(of: pair.primary)
        async let standby = cloud.syncStatus(of: pair.standby)
        return LiveState(primary: try await primary.state, standby: try await standby.state)
    }

    /// Polls until no side is SUSPENDING or RECOVERYING, or the job timeout passes.
    func waitWhileTransitional(from live: LiveState) async throws -> LiveState? {
        let deadline = Deadline(after: options.jobTimeout, on: reconciler.clock)
        var current = live
        while current.isTransitional {
            guard !deadline.hasPassed() else { return nil }
            try await reconciler.clock.sleep(for: options.pollInterval)
            current = try await readLive()
        }
        return current
    }
}
