import Foundation
import GeminiDBAPI
import SyncwindowAudit

/// How one reconcile pass runs.
public struct ReconcileOptions: Sendable {
    /// The instant the pass acts at: windows are evaluated and events stamped at it.
    public var at: Date
    /// Read live state and record what would be done; call no POST.
    public var dryRun: Bool
    /// Who the pass acts for: `syncwindow` for the timer, the operator for overrides.
    public var actor: String
    /// Restrict the pass to these pairs (nil: all configured pairs).
    public var pairs: [String]?
    /// How long to wait for another invocation's lock on a pair before giving up (exit 75).
    public var lockTimeout: Duration
    /// How long to follow a job before reporting the pair as not (yet) converged.
    public var jobTimeout: Duration
    /// Time between polls of a job or a transitional status.
    public var pollInterval: Duration
    /// What ran the pass: recorded with it.
    public var mode: PassMode
    /// An operator's override (`override_set` / `override_cleared` of one pair), recorded
    /// under that pair's lock just before the pass decides: if the lock cannot be had,
    /// nothing is recorded and the command gives up (exit 75) as the README's exit codes say.
    public var override: OverrideRequest?
    /// What `--at` adds to this host's wall clock (0 without it): the clock whose skew from a
    /// shared store's is judged is the one the pass acts by.
    public var clockOffset: TimeInterval = 0

    public init(
        at: Date, dryRun: Bool = false, actor: String = "syncwindow", pairs: [String]? = nil,
        lockTimeout: Duration = .seconds(10), jobTimeout: Duration = .seconds(300),
        pollInterval: Duration = .seconds(2),
        mode: PassMode = .tick, override: OverrideRequest? = nil
    ) {
        self.at = at
        self.dryRun = dryRun
        self.actor = actor
        self.pairs = pairs
        self.lockTimeout = lockTimeout
        self.jobTimeout = jobTimeout
        self.pollInterval = pollInterval
        self.mode = mode
        self.override = override
    }
}

/// What ran a pass, as `pass_started` records it (its word is stored: never rename).
public enum PassMode: String, Sendable {
    case tick, run, override, demo
}

/// An operator's hold (`state` until `until`) or, with `state` nil, the end of one.
public struct OverrideRequest: Sendable, Equatable {
    public var pair: String
    public var state: SyncState?
    public var until: Date?
    public var reason: String

    public init(pair: String, state: SyncState?, until: Date?, reason: String) {
        self.pair = pair
        self.state = state
        self.until = until
        self.reason = reason
    }
}

/// What a pass did for one pair.
public struct PairPassResult: Sendable {
    public var pair: String
    public var desired: DesiredState
    public var live: LiveState?
    /// Live state equals desired state at the end of the pass.
    public var reached: Bool
    /// Calls made, in words (`pause primary (job …)`).
    public var actions: [String]
    /// Why the pair did not reach its desired state (nil when it did, and for a dry run's plans).
    public var problem: PairProblem?
    /// The pair is no longer in the config; the pass handed back the pause syncwindow held.
    public var removedFromConfig = false
    /// Paused with no window open and no override holding it paused, since then (see
    /// `Reconciler.pausedOutsideWindowsSince`); nil otherwise.
    public var pausedOutsideWindowsSince: Date?

    /// Another invocation held the pair's lock; nothing was done.
    public var lockUnavailable: Bool {
        switch problem {
        case .lockHeldElsewhere, .leaseLost: true
        default: false
        }
    }

    /// The cloud refused the credentials (401) before anything was done for the pair.
    public var credentialsRejected: Bool {
        if case .cannotReadLive(_, credentialsRejected: true) = problem { return true }
        return false
    }
}

/// The live sync status of both instances of a pair.
public struct LiveState: Sendable, Equatable {
    public var primary: DataSyncState
    public var standby: DataSyncState

    public init(primary: DataSyncState, standby: DataSyncState) {
        self.primary = primary
        self.standby = standby
    }

    subscript(side: PairSide) -> DataSyncState {
        get { side == .primary ? primary : standby }
        set {
            if side == .primary { primary = newValue } else { standby = newValue }
        }
    }

    /// Both sides' states in the order the audit and logs print them.
    var sides: [(PairSide, DataSyncState)] { [(.primary, primary), (.standby, standby)] }

    var isTransitional: Bool { primary.isTransitional || standby.isTransitional }
}

/// What a whole pass did.
public struct PassResult: Sendable {
    public var passID: String
    public var at: Date
    public var pairs: [PairPassResult]
    /// Why this host acted on no pair (a shared store only).
    public var standDown: StandDown? = nil
    /// How far this host's clock was from the shared store's when the pass began (nil on SQLite).
    public var clockSkew: ClockSkew? = nil

    /// How the pass ended, for the exit status and the metrics.
    public var verdict: PassVerdict {
        if standDown != nil { return .notConverged }
        let failed = pairs.filter { $0.problem != nil && !$0.lockUnavailable }
        if !failed.isEmpty && failed.allSatisfy(\.credentialsRejected) { return .credentialsRejected }
        if !failed.isEmpty { return .notConverged }
        if pairs.contains(where: \.lockUnavailable) { return .lockContention }
        return .converged
    }
}
