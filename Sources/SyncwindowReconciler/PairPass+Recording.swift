import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowSchedule

/// What a pair's pass writes down: settled calls, window edges, drift, results.
extension PairPass {
    /// Settles calls a killed pass left without an outcome, from what the cloud shows now.
    func settle(_ intents: [AuditEvent], live: LiveState) async throws {
        for intent in intents {
            guard let side = intent.event.side else { continue }
            let status = live[side]
            let isPause = intent.event.kind == .pauseIntent
            let tookEffect =
                isPause
                ? [.suspending, .suspended, .recovering].contains(status)
                : [.recovering, .syncing].contains(status)
            try await recorder.record(
                isPause ? .pauseOutcome : .resumeOutcome, pair: pair.name, side: side,
                outcome: tookEffect ? AuditOutcome.landed : AuditOutcome.notApplied,
                reason: "settled after an interrupted pass: live status \(status)", detail: intent.event.detail,
                intentID: intent.id)
        }
    }

    func recordWindowEdges(_ desired: DesiredState) async throws {
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
        // Close what the trail shows open and the schedule no longer does: a window that
        // closed, and also one renamed or removed from the config while it was open.
        let openNames = Set(desired.openOccurrences.map(\.window))
        for opened in try await audit.read({ try $0.openWindowEdges(pair: pair.name) })
        where !openNames.contains(opened.event.window ?? "") {
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
