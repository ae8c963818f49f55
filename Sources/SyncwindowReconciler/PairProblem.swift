import Foundation
import SyncwindowSchedule

/// Why a pair did not reach its desired state in a pass. The words are what operators read
/// on stderr, in `status` and in `error` events, so they stay stable.
public enum PairProblem: Sendable, Equatable, CustomStringConvertible {
    /// Another invocation held the pair's lock; nothing was done.
    case lockHeldElsewhere
    /// The pair's lease was lost mid-pass (another host took it over); nothing more was sent.
    case leaseLost(String)
    /// The live status could not be read; `credentialsRejected` when the cloud answered 401.
    case cannotReadLive(String, credentialsRejected: Bool)
    /// Paused (wholly or in part) by someone else: reported, left alone.
    case drift(String)
    /// syncwindow's own pause was undone by someone else inside the window: let go.
    case released(String)
    /// Nothing syncwindow can do: no DR relationship, an unknown status.
    case blocked(String)
    /// A pause or resume under way did not finish within the job timeout.
    case stillTransitional(String)
    /// A call was refused or failed, its answer was lost, or its job failed or ran too long.
    case callFailed(String)
    /// The calls were made but the live status could not be read back.
    case cannotConfirm(String)
    /// Still short of the desired state after the most steps a pass takes.
    case didNotConverge
    /// The pair left the config and the trail does not say where its instances are.
    case removedWithoutInstances(pair: String)
    /// On a shared store, the pair's trail already holds an event later than this pass's
    /// instant (beyond the clocks' tolerance): acting would take the trail back in time.
    case trailAhead(newest: Date, at: Date)

    public var description: String {
        switch self {
        case .lockHeldElsewhere: "another syncwindow invocation holds the lock on this pair"
        case .leaseLost(let reason): "lost the pair's lease (\(reason)); another host carries on"
        case .cannotReadLive(let reason, _): "cannot read live status: \(reason)"
        case .drift(let detail): "drift: \(detail)"
        case .released(let detail): "drift: resumed by someone else (\(detail))"
        case .blocked(let reason), .callFailed(let reason): reason
        case .stillTransitional(let what): "still \(what) after the job timeout"
        case .cannotConfirm(let reason): "cannot confirm live status: \(reason)"
        case .didNotConverge: "did not converge within one pass"
        case .removedWithoutInstances(let pair):
            "\(pair) is no longer in the config but syncwindow holds its pause, and the trail does not "
                + "record its instances: put the pair back in the config until syncwindow has resumed it"
        case .trailAhead(let newest, let at):
            "the pair's trail already records an event at \(RFC3339.format(newest, in: .gmt)), later than this "
                + "pass's instant \(RFC3339.format(at, in: .gmt)) by more than twice store.postgres.max_clock_skew; "
                + "a pass never takes a pair's trail back in time, so nothing was done (check this host's clock, or --at)"
        }
    }

    /// Someone else's doing, reported by its own `drift` event rather than an `error`.
    public var isDrift: Bool {
        switch self {
        case .drift, .released: true
        default: false
        }
    }
}

/// How a whole pass ended, worst first. The CLI maps it to an exit status.
public enum PassVerdict: Sendable, Equatable {
    /// The cloud refused the credentials for every pair that failed: nothing was done.
    case credentialsRejected
    /// Some pair did not reach its desired state.
    case notConverged
    /// Only lock contention kept pairs from being served.
    case lockContention
    /// Every pair is at its desired state.
    case converged
}
