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
    static func decide(
        desired: SyncState, live: LiveState, ownedSides: Set<PairSide>, override: ActiveOverride?,
        handsOff: Bool = false
    ) -> Step {
        let sides = live.sides
        let known: [DataSyncState] = [.syncing, .suspended, .suspending, .recovering]
        if let (side, status) = sides.first(where: { !known.contains($0.1) }) {
            return .blocked("\(side.rawValue) reports sync status \(status): no DR relationship to pause or resume")
        }
        if let (side, status) = sides.first(where: { $0.1.isTransitional }) {
            return .wait("\(side.rawValue) \(status)")
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
}
