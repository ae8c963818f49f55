import GeminiDBAPI
import SyncwindowAudit

/// The next thing a pass does for a pair, given desired and live state. Pure, so the
/// whole decision table is tested without a cloud.
enum Step: Equatable {
    /// Live equals desired.
    case done
    /// POST `action` on `sides`.
    case call(SyncAction, [PairSide], why: String)
    /// A transition is under way (SUSPENDING, RECOVERYING): follow it.
    case wait(String)
    /// Paused (wholly or in part) by someone else while it should sync: report, leave alone.
    case drift(detail: String, reason: String)
    /// syncwindow's own pause of `sides` was undone by someone else inside the window: report, let go.
    case resumedBySomeoneElse([PairSide], String)
    /// Nothing syncwindow can do (no DR relationship, unknown status).
    case blocked(String)

    /// - Parameters:
    ///   - ownedSides: the sides syncwindow paused itself and has not resumed. Ownership is
    ///     per side: a side someone else paused is never resumed by a window's close.
    ///   - handsOff: someone resumed syncwindow's pause inside the open window; until it
    ///     closes the pair stays as they left it.
    ///   - calls: syncwindow's own latest call on each side (none: no entry), as the trail and
    ///     the cloud's jobs show it (``SideCall``).
    static func decide(
        desired: SyncState, live: LiveState, ownedSides: Set<PairSide>, override: ActiveOverride?,
        handsOff: Bool = false, calls: [PairSide: SideCall] = [:]
    ) -> Step {
        let step = decideCalling(
            desired: desired, live: live, ownedSides: ownedSides, override: override, handsOff: handsOff, calls: calls)
        // A call the cloud accepted and never carried out is re-issued once; when the re-issue
        // does not take either, a third call would only hide the cloud's problem: say so, loudly.
        if case .call(let action, let sides, _) = step {
            for side in sides {
                if case .unconfirmed(action, let jobID, reissued: true) = calls[side] {
                    return .blocked(
                        "\(action.rawValue) on \(side.rawValue) did not take twice: the cloud accepted the re-issued "
                            + "call (job \(jobID)) but never showed that job, and \(side.rawValue) reads "
                            + "\(live[side]); check the instance and its jobs in the console. syncwindow does not "
                            + "call it again")
                }
            }
        }
        return step
    }

    /// The decision table proper; ``decide(desired:live:ownedSides:override:handsOff:calls:)``
    /// adds the limit on re-issues.
    private static func decideCalling(
        desired: SyncState, live: LiveState, ownedSides: Set<PairSide>, override: ActiveOverride?,
        handsOff: Bool, calls: [PairSide: SideCall]
    ) -> Step {
        let sides = live.sides
        let known: [DataSyncState] = [.syncing, .suspended, .suspending, .recovering]
        if let (side, status) = sides.first(where: { !known.contains($0.1) }) {
            return .blocked(unusable(status, on: side))
        }
        // The cloud pauses (resumes) a pair only once BOTH sides were called: until then both
        // read SUSPENDING (RECOVERYING), whatever job finishes. So a transition syncwindow
        // started is completed before anything waits on it, or the wait never ends.
        for action in [SyncAction.pause, .resume] {
            let passing = DataSyncState.passing(through: action)
            guard sides.contains(where: { calls[$0.0] == .standing(action) }) else { continue }
            let missing = sides.filter { $0.1 == passing && calls[$0.0] != .standing(action) }.map(\.0)
            if !missing.isEmpty {
                return .call(
                    action, missing,
                    why: "complete the \(action.rawValue) syncwindow started: the cloud "
                        + (action == .pause ? "pauses" : "resumes") + " a pair only once both sides were called")
            }
        }
        if let (side, status) = sides.first(where: { $0.1.isTransitional }) {
            return .wait("\(side.rawValue) \(status)")
        }
        // A call accepted but never carried out changes nothing: a side whose pause did not
        // take was never paused by syncwindow (never "undone by someone else"), and a side
        // whose resume did not take is still syncwindow's pause.
        var ownedSides = ownedSides
        for (side, call) in calls {
            guard case .unconfirmed(let action, _, _) = call else { continue }
            if action == .pause { ownedSides.remove(side) } else { ownedSides.insert(side) }
        }
        if handsOff && override == nil { return .done }
        switch desired {
        case .paused:
            // A side syncing although syncwindow paused it (and no job failed, which would
            // have ended the ownership): someone resumed it by hand. Never fight them.
            let undone = sides.filter { ownedSides.contains($0.0) && $0.1 == .syncing }.map(\.0)
            if !undone.isEmpty && override == nil {
                return .resumedBySomeoneElse(undone, "primary \(live.primary), standby \(live.standby)")
            }
            let toPause = sides.filter { $0.1 == .syncing }.map(\.0)
            return toPause.isEmpty ? .done : .call(.pause, toPause, why: "pause for the window")
        case .syncing:
            let paused = sides.filter { $0.1 == .suspended }.map(\.0)
            if paused.isEmpty { return .done }
            // An operator's "hold syncing" is an explicit instruction: it resumes even a pause
            // syncwindow did not make. Without one, syncwindow resumes only sides it paused.
            if override?.state != .syncing {
                let foreign = paused.filter { !ownedSides.contains($0) }
                if foreign.count == paused.count {
                    return .drift(
                        detail: "primary \(live.primary), standby \(live.standby)",
                        reason: "left alone: syncwindow did not pause it")
                }
                if !foreign.isEmpty {
                    // The API resumes sync only when both sides are resumed: resuming ours
                    // alone would not bring DR back, and would break the other party's resume.
                    let names = foreign.map(\.rawValue).joined(separator: " and ")
                    return .drift(
                        detail:
                            "primary \(live.primary), standby \(live.standby); \(names) paused by someone else",
                        reason:
                            "left paused: \(names) was paused by someone else, syncwindow resumes only what it paused, "
                            + "and sync resumes only when both sides do; resume the pair by hand or with "
                            + "'syncwindow override resume'")
                }
            }
            // The API resumes only when BOTH sides are paused: finish a half-done pause first.
            let unpaused = sides.filter { $0.1 == .syncing }.map(\.0)
            if !unpaused.isEmpty {
                return .call(.pause, unpaused, why: "complete a half-done pause so both sides can resume")
            }
            return .call(.resume, [.primary, .standby], why: "resume after the window")
        }
    }

    /// Why a side's status leaves syncwindow nothing to do: no (active) DR relationship, or a
    /// status the API does not document, named as it came (quoted; "empty" when empty).
    static func unusable(_ status: DataSyncState, on side: PairSide) -> String {
        switch status {
        case .na:
            return "\(side.rawValue) reports sync status NA: no DR relationship to pause or resume"
        case .new:
            return "\(side.rawValue) reports sync status NEW: the DR relationship is not active yet, "
                + "nothing to pause or resume"
        default:
            let named =
                status.rawValue.isEmpty
                ? "an empty sync status" : "an unknown sync status \"\(status.rawValue)\""
            return "\(side.rawValue) reports \(named): syncwindow leaves the pair alone; check the instance's "
                + "status and its DR relationship in the console (known statuses: NA, NEW, SYNCING, SUSPENDING, "
                + "SUSPENDED, RECOVERYING)"
        }
    }
}
