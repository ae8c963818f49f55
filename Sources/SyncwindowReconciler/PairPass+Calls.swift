import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowSchedule

/// The calls of a pair's pass: intent before, outcome after, then the jobs followed.
extension PairPass {
    struct CallsResult {
        var actions: [String] = []
        var problem: String?
    }

    /// POSTs `action` on each side — intent recorded first, outcome after — then follows the jobs.
    func call(_ action: SyncAction, on sides: [PairSide], reason: String) async throws -> CallsResult {
        let intentKind: AuditKind = action == .pause ? .pauseIntent : .resumeIntent
        let outcomeKind: AuditKind = action == .pause ? .pauseOutcome : .resumeOutcome
        var summary = CallsResult()
        var jobs: [(PairSide, String)] = []
        for side in sides {
            let instance = self.instance(side)
            let intent = try await recorder.record(
                intentKind, pair: pair.name, side: side, reason: reason, detail: "instance \(instance.instanceID)")
            // Only the cloud call's own failure is a failed call. A store that cannot record
            // an outcome must not turn an accepted call into an `error` row: its error escapes
            // below, the intent stays unsettled, and the next pass settles it from live status.
            // The intent is recorded under the lease's fence; now make sure the lease will
            // still be ours, by this host's own clock, when the call lands.
            try await ActingHold.current?.confirmBeforeCall()
            let jobID: String
            do {
                jobID = try await cloud.setDataSynchronization(action, on: instance)
            } catch let error as GeminiDBError where error.outcomeIsUnknown {
                // The request may have reached the cloud: leave the intent open for the next
                // pass to settle from live status, rather than guess.
                logger.warning("Call outcome unknown", metadata: ["side": "\(side.rawValue)", "error": "\(error)"])
                summary.problem =
                    "\(action.rawValue) on \(side.rawValue): outcome unknown (\(error)); the next pass settles it"
                break
            } catch {
                try await recorder.record(
                    outcomeKind, pair: pair.name, side: side, outcome: AuditOutcome.error, reason: "\(error)",
                    detail: "instance \(instance.instanceID)", intentID: intent.id)
                summary.problem = "\(action.rawValue) on \(side.rawValue) failed: \(error)"
                break
            }
            do {
                try await recorder.record(
                    outcomeKind, pair: pair.name, side: side, outcome: AuditOutcome.accepted, jobID: jobID,
                    detail: "instance \(instance.instanceID)", intentID: intent.id)
            } catch {
                // journald keeps the job id the trail could not.
                logger.error(
                    "Call accepted but its outcome could not be recorded; the next pass settles it",
                    metadata: ["side": "\(side.rawValue)", "job.id": "\(jobID)", "error": "\(error)"])
                throw error
            }
            summary.actions.append("\(action.rawValue) \(side.rawValue) (job \(jobID))")
            jobs.append((side, jobID))
        }
        // Both sides' jobs run at once in the cloud: wait for them together, then record in side order.
        let finished = try await withThrowingTaskGroup(of: (Int, Job?).self) { group in
            for (index, (side, jobID)) in jobs.enumerated() {
                group.addTask { (index, try await waitForJob(jobID, on: side)) }
            }
            var finished = [Job?](repeating: nil, count: jobs.count)
            for try await (index, job) in group { finished[index] = job }
            return finished
        }
        for ((side, jobID), job) in zip(jobs, finished) {
            if let problem = try await recordJobEnd(job, id: jobID, action: action, side: side) {
                summary.problem = summary.problem ?? problem
            }
        }
        return summary
    }

    /// Follows a job until it completes or fails, or the job timeout passes. Returns a problem, if any.
    func follow(job jobID: String, action: SyncAction, side: PairSide) async throws -> String? {
        try await recordJobEnd(try await waitForJob(jobID, on: side), id: jobID, action: action, side: side)
    }

    /// Records how a followed job ended (nil: it did not end within the job timeout). Returns a problem, if any.
    func recordJobEnd(_ job: Job?, id jobID: String, action: SyncAction, side: PairSide) async throws -> String? {
        switch job?.state {
        case .completed:
            try await recorder.record(
                .jobCompleted, pair: pair.name, side: side, outcome: AuditOutcome.jobCompleted, jobID: jobID,
                detail: action.rawValue)
            return nil
        case .failed:
            let why = job?.failReason ?? "no reason given"
            try await recorder.record(
                .jobFailed, pair: pair.name, side: side, outcome: AuditOutcome.jobFailed, jobID: jobID, reason: why,
                detail: action.rawValue)
            return "\(action.rawValue) job \(jobID) on \(side.rawValue) failed: \(why)"
        default:
            return "\(action.rawValue) job \(jobID) on \(side.rawValue) still running after the job timeout"
        }
    }

    /// Polls a job until it is finished (returned) or the job timeout passes (nil). The first
    /// poll comes soon after the POST and the waits double up to the poll interval
    /// (``JobPolling``): a job of a second is seen done about when it is, and a slow one
    /// costs no more calls than before. No call is in flight while it sleeps, so a sleeping
    /// job holds none of the client's concurrency slots.
    func waitForJob(_ jobID: String, on side: PairSide) async throws -> Job? {
        let deadline = Deadline(after: options.jobTimeout, on: reconciler.clock)
        var polling = JobPolling(interval: options.pollInterval)
        while true {
            try await reconciler.clock.sleep(for: polling.nextDelay())
            do {
                if let job = try await cloud.job(id: jobID, on: instance(side)), job.state.isFinished { return job }
            } catch {
                logger.warning("Cannot read job", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
            }
            if deadline.hasPassed() { return nil }
        }
    }

    /// Records `job_failed` for owned sides whose last pause job turns out to have failed.
    /// Returns whether it found any.
    func recordLateJobFailures(ownedSides: Set<PairSide>) async throws -> Bool {
        guard !options.dryRun else { return false }
        var found = false
        for side in ownedSides {
            let last = try await reconciler.audit.latest(
                pair: pair.name, kinds: [.pauseOutcome], side: side, outcomes: [AuditOutcome.accepted])
            guard let jobID = last?.event.jobID, let job = try? await cloud.job(id: jobID, on: instance(side)),
                job.state == .failed
            else { continue }
            try await recorder.record(
                .jobFailed, pair: pair.name, side: side, outcome: AuditOutcome.jobFailed, jobID: jobID,
                reason: job.failReason ?? "no reason given", detail: SyncAction.pause.rawValue)
            found = true
        }
        return found
    }

    func instance(_ side: PairSide) -> InstanceRef { side == .primary ? pair.primary : pair.standby }

}
