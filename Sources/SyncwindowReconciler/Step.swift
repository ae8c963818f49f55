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
    /// Paused by someone else while it should sync: report, leave alone.
    case drift(String)
    /// syncwindow's own pause was undone by someone else inside the window: report, let go.
    case resumedBySomeoneElse(String)
    /// Nothing syncwindow can do (no DR relationship, unknown status).
    case blocked(String)

    static let syncing = "SYNCING", suspended = "SUSPENDED"

    static func isTransitional(_ status: String) -> Bool { status == "SUSPENDING" || status == "RECOVERYING" }

    static func decide(desired: SyncState, live: LiveStatus, ownedSides: Bool, override: ActiveOverride?) -> Step {
        let sides: [(PairSide, String)] = [(.primary, live.primary), (.standby, live.standby)]
        let known = [syncing, suspended, "SUSPENDING", "RECOVERYING"]
        if let (side, status) = sides.first(where: { !known.contains($0.1) }) {
            return .blocked("\(side.rawValue) reports sync status \(status): no DR relationship to pause or resume")
        }
        if let (side, status) = sides.first(where: { isTransitional($0.1) }) {
            return .wait("\(side.rawValue) \(status)")
        }
        switch desired {
        case .paused:
            // Both sides syncing although syncwindow paused them (and no job failed, which
            // would have ended the ownership): someone resumed by hand. Never fight them.
            if ownedSides && sides.allSatisfy({ $0.1 == syncing }) && override == nil {
                return .resumedBySomeoneElse("primary \(live.primary), standby \(live.standby)")
            }
            let toPause = sides.filter { $0.1 == syncing }.map(\.0)
            return toPause.isEmpty ? .done : .call(.pause, toPause, why: "pause for the window")
        case .syncing:
            let paused = sides.filter { $0.1 == suspended }.map(\.0)
            if paused.isEmpty { return .done }
            // An operator's "hold syncing" is an explicit instruction: it resumes even a pause
            // syncwindow did not make. Without one, a foreign pause is drift, left alone.
            let mayResume = ownedSides || override?.state == .syncing
            guard mayResume else {
                return .drift("primary \(live.primary), standby \(live.standby)")
            }
            // The API resumes only when BOTH sides are paused: finish a half-done pause first.
            let unpaused = sides.filter { $0.1 == syncing }.map(\.0)
            if !unpaused.isEmpty {
                return .call(.pause, unpaused, why: "complete a half-done pause so both sides can resume")
            }
            return .call(.resume, [.primary, .standby], why: "resume after the window")
        }
    }
}
