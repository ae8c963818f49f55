import GeminiDBAPI
import SyncwindowAudit

/// syncwindow's own latest call on one side of a pair, as ``Step/decide(desired:live:ownedSides:override:handsOff:calls:)``
/// needs it: from the trail, checked against the cloud where the trail alone cannot tell.
enum SideCall: Equatable, Sendable {
    /// The call of `action` stands: the cloud accepted it (or a later pass found it landed) and its job did not fail.
    case standing(SyncAction)
    /// The cloud accepted the call of `action` (job `jobID`), but the jobs list never showed that job and the side
    /// never showed the call's effect: not ours, not someone else's undoing, just not carried out.
    /// `reissued`: this call was itself the re-issue of one that did not take.
    case unconfirmed(SyncAction, jobID: String, reissued: Bool)

    var action: SyncAction {
        switch self {
        case .standing(let action), .unconfirmed(let action, _, _): action
        }
    }

    /// The reason recorded on a re-issued call (intent and accepted outcome); a later pass reads it back to call a
    /// side at most twice for one unconfirmed call. Stored in the audit: never reword its start.
    static func reissueReason(of action: SyncAction, side: PairSide, jobID: String, live: DataSyncState) -> String {
        "\(reissuePrefix) \(action.rawValue) on \(side.rawValue): the cloud accepted job \(jobID) but never showed it, "
            + "and \(side.rawValue) still reads \(live)"
    }

    static let reissuePrefix = "re-issued"
}

extension DataSyncState {
    /// The status a settled `action` leaves: SUSPENDED after a pause, SYNCING after a resume.
    static func settled(after action: SyncAction) -> DataSyncState { action == .pause ? .suspended : .syncing }

    /// The status of both sides while `action` is under way: SUSPENDING or RECOVERYING.
    static func passing(through action: SyncAction) -> DataSyncState {
        action == .pause ? .suspending : .recovering
    }
}
