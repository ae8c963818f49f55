import Foundation
import GeminiDBAPI
import SyncwindowAudit

/// What syncwindow's own standing calls amount to, for ``Step/decide(desired:live:ownedSides:override:handsOff:calls:)``.
extension PairPass {
    /// The ledger's standing calls, checked against the cloud where the trail alone cannot
    /// tell: a call whose job the trail does not show completed, on a side that does not show
    /// the call's settled effect. For those the cloud's jobs list decides: a job that finished
    /// is recorded now (completed; or failed, and the call no longer stands), one still running
    /// stands, and one the cloud does not list at all was accepted and never carried out
    /// (``SideCall/unconfirmed(_:jobID:reissued:)``). Returns the calls and whether it
    /// recorded anything (the ledger must then be read again).
    func reviewCalls(_ ledger: PairLedger, live: LiveState) async throws -> (
        calls: [PairSide: SideCall], recorded: Bool
    ) {
        var calls: [PairSide: SideCall] = [:]
        var ends: [(job: FollowedJob, wait: JobWait)] = []
        for side in PairSide.allCases {
            guard let call = ledger.calls[side] else { continue }
            calls[side] = .standing(call.action)
            guard let jobID = call.jobID, !call.jobCompleted, live[side] != .settled(after: call.action) else {
                continue
            }
            let followed = FollowedJob(side: side, id: jobID, action: call.action)
            switch await readJob(followed) {
            case .listed(let job) where job.state.isFinished:
                ends.append((followed, .finished(job)))
            case .notListed:
                calls[side] = .unconfirmed(call.action, jobID: jobID, reissued: call.reissue)
            default:
                break
            }
        }
        guard !ends.isEmpty, !options.dryRun else { return (calls, false) }
        _ = try await recordJobEnds(ends)
        return (calls, true)
    }

    /// The reason recorded on each side `step` calls again because its last call was accepted
    /// and never carried out.
    func reissueReasons(for action: SyncAction, on sides: [PairSide], calls: [PairSide: SideCall], live: LiveState)
        -> [PairSide: String]
    {
        var reasons: [PairSide: String] = [:]
        for side in sides {
            guard case .unconfirmed(action, let jobID, _) = calls[side] else { continue }
            reasons[side] = SideCall.reissueReason(of: action, side: side, jobID: jobID, live: live[side])
        }
        return reasons
    }
}
