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
                problem: "another syncwindow invocation holds the lock on this pair", lockUnavailable: true,
                credentialsRejected: false)
        }
        do {
            let result = try await run()
            await hold.release()
            return result
        } catch {
            await hold.release()
            throw error
        }
    }

    func ledger() async throws -> PairLedger {
        try await PairLedger.load(pair: pair.name, at: options.at, from: reconciler.audit)
    }

    func evaluate(ledger: PairLedger) async throws -> DesiredState {
        // A removed pair is no window's any more, not even a `"*"` window's.
        ledger.desiredState(
            pair: pair.name, at: options.at, schedule: removedFromConfig ? Schedule(windows: []) : reconciler.schedule)
    }

    func run() async throws -> PairPassResult {
        var ledger = try await ledger()
        // An expiry is recorded before whatever the operator does now, so the trail reads in order.
        if let expired = ledger.expiredOverride(at: options.at), !options.dryRun {
            try await recorder.record(
                .overrideExpired, pair: pair.name, outcome: expired.event.outcome,
                reason: "override by \(expired.event.actor) ended", until: expired.event.until)
        }
        if let request = options.override, request.pair == pair.name, !options.dryRun {
            try await recorder.record(
                request.state == nil ? .overrideCleared : .overrideSet, pair: pair.name, outcome: request.state?.rawValue,
                reason: request.reason, until: request.until)
            ledger = try await self.ledger()
        }
        var desired = try await evaluate(ledger: ledger)
        if removedFromConfig && desired.override == nil {
            desired.reason = "no longer in the config: syncwindow hands back the pause it holds"
        }
        if !options.dryRun { try await recordWindowEdges(desired) }

        var live: LiveStatus
        do {
            live = try await readLive()
        } catch {
            var outcome = try await failed(
                desired: desired, live: nil, actions: [], problem: "cannot read live status: \(error)")
            if case .unauthorized = error as? GeminiDBError { outcome.credentialsRejected = true }
            return outcome
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
                desired: desired.state, live: live, ownedSides: ledger.ownedSides, override: desired.override,
                handsOff: desired.releasedToOperator)
            switch step {
            case .done:
                return try await finished(desired: desired, live: live, actions: actions)
            case .drift(let detail, let reason):
                try await recordDrift(detail, reason: reason)
                return try await failed(desired: desired, live: live, actions: actions, problem: "drift: \(detail)")
            case .resumedBySomeoneElse(let undone, let detail):
                // A pause job that failed after its pass stopped following it looks the same
                // from outside; ask the cloud before blaming a person.
                if try await recordLateJobFailures(ownedSides: Set(undone)) {
                    ledger = try await self.ledger()
                    continue
                }
                if !options.dryRun {
                    for side in undone {
                        try await recorder.record(
                            .drift, pair: pair.name, side: side, outcome: CallOutcome.released,
                            reason:
                                "syncwindow's pause was undone by someone else; left syncing until the window closes",
                            detail: detail)
                    }
                }
                return try await failed(
                    desired: desired, live: live, actions: actions,
                    problem: "drift: resumed by someone else (\(detail))")
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
                try await recordInstancesIfChanged()
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

    func readLive() async throws -> LiveStatus {
        async let primary = cloud.syncStatus(of: pair.primary)
        async let standby = cloud.syncStatus(of: pair.standby)
        return LiveStatus(primary: try await primary.state, standby: try await standby.state)
    }

    /// Polls until no side is SUSPENDING or RECOVERYING, or the job timeout passes.
    func waitWhileTransitional(from live: LiveStatus) async throws -> LiveStatus? {
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
