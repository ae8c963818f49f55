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
        /// The followed jobs seen completed (all of them when there is no problem).
        var completed: [FollowedJob] = []
    }

    /// A job of syncwindow's to follow to its end.
    struct FollowedJob: Sendable, Equatable {
        var side: PairSide
        var id: String
        var action: SyncAction
    }

    /// POSTs `action` on each side — intent recorded first, outcome after — then follows the
    /// jobs, with `alsoFollow` (jobs of earlier calls a killed pass left unfollowed): every
    /// side is called before any job is waited on, since the cloud moves a pair only once
    /// both sides were called. A side in `reissues` is called again because its last call was
    /// accepted and never carried out: its intent and outcome carry that reason instead.
    func call(
        _ action: SyncAction, on sides: [PairSide], reason: String, reissues: [PairSide: String] = [:],
        alsoFollow: [FollowedJob] = []
    ) async throws -> CallsResult {
        let intentKind: AuditKind = action == .pause ? .pauseIntent : .resumeIntent
        let outcomeKind: AuditKind = action == .pause ? .pauseOutcome : .resumeOutcome
        var summary = CallsResult()
        var jobs: [FollowedJob] = []
        // The previous side's accepted outcome, recorded in one append with the next side's
        // intent (same pair, same fence, same order in the trail): one transaction fewer.
        var accepted: (event: NewAuditEvent, side: PairSide, jobID: String)?
        for side in sides {
            let instance = self.instance(side)
            let reissue = reissues[side]
            let intentEvent = recorder.event(
                intentKind, pair: pair.name, side: side, reason: reissue.map { "\($0); \(reason)" } ?? reason,
                detail: "instance \(instance.instanceID)")
            let intent = try await recordAccepted(accepted, with: intentEvent)!
            accepted = nil
            // Only the cloud call's own failure is a failed call. A store that cannot record
            // an outcome must not turn an accepted call into an `error` row: its error escapes
            // below, the intent stays unsettled, and the next pass settles it from live status.
            // The intent is recorded under the lease's fence; now make sure the lease will
            // still be ours, by this host's own clock, when the call lands.
            try await ActingHold.current?.confirmBeforeCall()
            let jobID: String
            do {
                jobID = try await cloud.setDataSynchronization(action, on: instance)
            } catch let error where error.outcomeIsUnknown {
                // The request may have reached the cloud: leave the intent open for the next
                // pass to settle from live status, rather than guess.
                logger.warning("Call outcome unknown", metadata: ["side": "\(side.rawValue)", "error": "\(error)"])
                summary.problem =
                    "\(action.rawValue) on \(side.rawValue): outcome unknown (\(error)); the next pass settles it"
                break
            } catch {
                try await recorder.record(
                    outcomeKind, pair: pair.name, side: side, outcome: .error, reason: "\(error)",
                    detail: "instance \(instance.instanceID)", intentID: intent.id)
                summary.problem = "\(action.rawValue) on \(side.rawValue) failed: \(error)"
                break
            }
            accepted = (
                recorder.event(
                    outcomeKind, pair: pair.name, side: side, outcome: .accepted, jobID: jobID,
                    reason: reissue, detail: "instance \(instance.instanceID)", intentID: intent.id),
                side, jobID
            )
            summary.actions.append("\(action.rawValue) \(side.rawValue) (job \(jobID))")
            jobs.append(FollowedJob(side: side, id: jobID, action: action))
        }
        try await recordAccepted(accepted, with: nil)
        let followed = try await follow(jobs + alsoFollow)
        if let problem = followed.problem {
            summary.problem = summary.problem ?? problem
        }
        summary.completed = followed.completed
        return summary
    }

    /// Records an accepted call's outcome, and after it `next` (the next side's intent) in the
    /// same append. Returns `next` as stored.
    @discardableResult
    private func recordAccepted(
        _ accepted: (event: NewAuditEvent, side: PairSide, jobID: String)?, with next: NewAuditEvent?
    ) async throws -> AuditEvent? {
        let events = [accepted?.event, next].compactMap { $0 }
        guard !events.isEmpty else { return nil }
        do {
            let stored = try await recorder.record(events)
            return next == nil ? nil : stored.last
        } catch {
            if let accepted {
                // journald keeps the job id the trail could not.
                logger.error(
                    "Call accepted but its outcome could not be recorded; the next pass settles it",
                    metadata: ["side": "\(accepted.side.rawValue)", "job.id": "\(accepted.jobID)", "error": "\(error)"])
            }
            throw error
        }
    }

    /// Follows jobs until each completes or fails, or the job timeout passes, and records how
    /// they ended. Returns the first problem, if any, and the jobs that completed.
    func follow(_ jobs: [FollowedJob]) async throws -> (problem: String?, completed: [FollowedJob]) {
        guard !jobs.isEmpty else { return (nil, []) }
        let waits = try await waitForJobs(jobs)
        let completed = zip(jobs, waits).compactMap { job, wait in
            if case .finished(let ended) = wait, ended.state == .completed { return job }
            return nil
        }
        return (try await recordJobEnds(zip(jobs, waits).map { (job: $0, wait: $1) }), completed)
    }

    /// How a followed job stood when following it ended.
    enum JobWait: Sendable {
        case finished(Job)
        /// Still running (or not read again) when the job timeout passed.
        case running
        /// The cloud's jobs list never showed it, though the call was accepted.
        case neverShown
    }

    /// Records how followed jobs ended, in one append (a job that did not end within the job
    /// timeout: nothing to record). Returns the first problem, if any.
    func recordJobEnds(_ ends: [(job: FollowedJob, wait: JobWait)]) async throws -> String? {
        var events: [NewAuditEvent] = []
        var problems: [String] = []
        for (followed, wait) in ends {
            let (side, jobID, action) = (followed.side, followed.id, followed.action)
            switch wait {
            case .finished(let job) where job.state == .completed:
                events.append(
                    recorder.event(
                        .jobCompleted, pair: pair.name, side: side, outcome: .jobCompleted, jobID: jobID,
                        detail: action.rawValue))
            case .finished(let job):
                let why = job.failReason ?? "no reason given"
                events.append(
                    recorder.event(
                        .jobFailed, pair: pair.name, side: side, outcome: .jobFailed, jobID: jobID,
                        reason: why, detail: action.rawValue))
                problems.append("\(action.rawValue) job \(jobID) on \(side.rawValue) failed: \(why)")
            case .running:
                problems.append(
                    "\(action.rawValue) job \(jobID) on \(side.rawValue) still running after the job timeout")
            case .neverShown:
                problems.append(
                    "\(action.rawValue) job \(jobID) on \(side.rawValue) was accepted but the cloud's jobs list "
                        + "never showed it within the job timeout; the next pass re-issues the call if "
                        + "\(side.rawValue) still shows no effect")
            }
        }
        if !events.isEmpty { try await recorder.record(events) }
        return problems.first
    }

    /// Polls the pair's jobs until each is finished or the job timeout passes, on one
    /// schedule (``JobPolling``): the first poll soon after the POSTs, the waits doubling up
    /// to the poll interval, so a job of a second is seen done about when it is and a slow one
    /// costs no more calls than a flat interval. The jobs of a pair's sides started together:
    /// each round reads them in order and stops at the first still running (the next would be
    /// too), and a job seen finished is followed at once by the next one's read, with no wait
    /// in between. Nothing is in flight while it sleeps, so a waiting pair holds none of the
    /// client's concurrency slots. Where many pairs of the pass follow jobs in one project,
    /// their polls share listings of it (``JobFollower``). At the timeout, a job never once
    /// seen is told apart from one still running (one more read of each job left).
    func waitForJobs(_ jobs: [FollowedJob]) async throws -> [JobWait] {
        let deadline = Deadline(after: options.jobTimeout, on: reconciler.clock)
        var polling = JobPolling(interval: options.pollInterval)
        var ends = [JobWait](repeating: .running, count: jobs.count)
        var seen = [Bool](repeating: false, count: jobs.count)
        var next = 0
        await follower.follow(jobs.map { (id: $0.id, instance: instance($0.side), action: $0.action) })
        while next < jobs.count {
            do {
                try await reconciler.clock.sleep(for: polling.nextDelay())
            } catch {
                await follower.forget(jobs.map { (id: $0.id, instance: instance($0.side)) })
                throw error
            }
            let woke = await follower.now()
            while next < jobs.count {
                guard case .listed(let job) = await pollJob(jobs[next], asOf: woke) else { break }
                seen[next] = true
                guard job.state.isFinished else { break }
                ends[next] = .finished(job)
                next += 1
            }
            if deadline.hasPassed() { break }
        }
        await follower.forget(jobs.map { (id: $0.id, instance: instance($0.side)) })
        for index in next..<jobs.count where !seen[index] {
            switch await readJob(jobs[index]) {
            case .listed(let job) where job.state.isFinished: ends[index] = .finished(job)
            case .notListed: ends[index] = .neverShown
            default: break
            }
        }
        return ends
    }

    /// One poll's read of a followed job: from the pass's listing of its project, or by id.
    private func pollJob(_ followed: FollowedJob, asOf: Double) async -> JobRead {
        switch await follower.read(followed.id, on: instance(followed.side), asOf: asOf) {
        case .listed(let job): return .listed(job)
        case .notListed: return .notListed
        case .unreadable: return .unreadable
        case .unsure, .byID: return await readJob(followed)
        }
    }

    /// What one read of a job found.
    enum JobRead {
        case listed(Job)
        case notListed
        case unreadable
    }

    /// The job as the cloud's jobs list shows it. A failing read is not an error: the job is
    /// read again, or its side's status tells.
    func readJob(_ followed: FollowedJob) async -> JobRead {
        do {
            guard let job = try await cloud.job(id: followed.id, on: instance(followed.side)) else { return .notListed }
            return .listed(job)
        } catch {
            logger.warning("Cannot read job", metadata: ["job.id": "\(followed.id)", "error": "\(error)"])
            return .unreadable
        }
    }

    /// Records `job_failed` for owned sides whose last pause job turns out to have failed.
    /// Returns whether it found any.
    func recordLateJobFailures(ownedSides: Set<PairSide>) async throws -> Bool {
        guard !options.dryRun else { return false }
        var found = false
        for side in ownedSides {
            let last = try await reconciler.audit.latest(
                pair: pair.name, LatestEventQuestion(kinds: [.pauseOutcome], side: side, outcomes: [.accepted]))
            guard let jobID = last?.event.jobID, let job = try? await cloud.job(id: jobID, on: instance(side)),
                job.state == .failed
            else { continue }
            try await recorder.record(
                .jobFailed, pair: pair.name, side: side, outcome: .jobFailed, jobID: jobID,
                reason: job.failReason ?? "no reason given", detail: SyncAction.pause.rawValue)
            found = true
        }
        return found
    }

    func instance(_ side: PairSide) -> InstanceRef { side == .primary ? pair.primary : pair.standby }

}
