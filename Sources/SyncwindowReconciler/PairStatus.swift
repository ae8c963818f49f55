import Foundation
import GeminiDBAPI
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowSchedule

/// What `status` shows for a pair: computed from the config and the audit trail alone
/// (no API call), so it answers instantly and works without credentials.
public struct PairStatus: Sendable {
    public var pair: String
    public var desired: DesiredState
    public var live: LiveObservation?
    public var lastAction: AuditEvent?
    /// The latest drift event, if no pause/resume/override has come after it.
    public var drift: AuditEvent?
    /// What ``drift`` reports, as the problem its pass ended with: someone else paused the pair
    /// (`.drift`), or resumed syncwindow's pause by hand (`.released`).
    public var driftProblem: PairProblem? {
        guard let event = drift?.event, event.kind == .drift else { return nil }
        let detail = event.detail ?? ""
        return event.auditOutcome == .released ? .released(detail) : .drift(detail)
    }
    /// Sides syncwindow paused and has not resumed.
    public var ownedSides: [PairSide]
    public var unsettledIntents: Int
    /// The pair left the config while syncwindow held its pause; the next pass hands it back.
    public var removedFromConfig = false
    /// The newest failure (an `error`, a failed job, a refused call) that no pass has since
    /// seen resolved: the last observation at the desired state came before it, or never.
    public var lastError: PairError?

    /// The last live state seen matches the desired state now, nothing is left to settle,
    /// and no failure is outstanding. False for a pair never seen.
    public var converged: Bool {
        guard let live, unsettledIntents == 0, lastError == nil else { return false }
        return Self.matches(desired, live)
    }

    static func matches(_ desired: DesiredState, _ live: LiveObservation) -> Bool {
        // Released to an operator inside a window: the pair is as they left it, by design.
        if desired.releasedToOperator && desired.override == nil { return true }
        let wanted: DataSyncState = desired.state == .paused ? .suspended : .syncing
        return live.primary == wanted.rawValue && live.standby == wanted.rawValue
    }
}

public enum PairStatusReader {
    public static func read(
        configuration: SyncwindowConfiguration, audit: any AuditStoring, at instant: Date, pairs: [String]? = nil
    ) async throws -> [PairStatus] {
        let schedule = Schedule(windows: configuration.windows)
        let observations = try await audit.observations()
        let outcomes = try await audit.passOutcomes()
        let selected = configuration.pairs.filter { pairs?.contains($0.name) ?? true }.map(\.name)
        // One read transaction for all pairs: a consistent snapshot, and fast for hundreds of pairs.
        return try await audit.read { reader in
            let removed =
                pairs == nil
                ? try await RemovedPairs.find(configuration: configuration, at: instant, reading: reader) : []
            var current: [PairStatus] = []
            for name in selected {
                current.append(
                    try await status(
                        of: name, at: instant, schedule: schedule, observation: observations[name],
                        outcome: outcomes[name], reader: reader))
            }
            var leaving: [PairStatus] = []
            for pair in removed {
                var status = try await status(
                    of: pair.name, at: instant, schedule: Schedule(windows: []), observation: observations[pair.name],
                    outcome: outcomes[pair.name], reader: reader)
                status.removedFromConfig = true
                if status.desired.override == nil {
                    status.desired.reason =
                        pair.instances == nil
                        ? "no longer in the config, and the trail does not record its instances: put it back until resumed"
                        : "no longer in the config: the next pass hands back the pause syncwindow holds"
                }
                leaving.append(status)
            }
            return current + leaving
        }
    }

    static func status(
        of pair: String, at instant: Date, schedule: Schedule, observation: LiveObservation?, outcome: PassOutcome?,
        reader: any AuditLedgerReading
    ) async throws -> PairStatus {
        // The ledger and status's own questions in one go (one round trip on PostgreSQL).
        let (ledger, latest) = try await PairLedger.load(
            pair: pair, at: instant, from: reader, also: StatusQuestion.self, asking: \.asked)
        let driftOrAction = latest[.latestDriftOrAction]
        return PairStatus(
            pair: pair, desired: ledger.desiredState(pair: pair, at: instant, schedule: schedule),
            live: observation, lastAction: latest[.lastAction],
            drift: driftOrAction?.event.kind == .drift ? driftOrAction : nil,
            ownedSides: PairSide.allCases.filter(ledger.ownedSides.contains),
            unsettledIntents: ledger.unsettledIntents.count,
            lastError: outstandingError(outcome: outcome, recorded: latest[.lastError]))
    }

    /// What `status` asks of a pair's trail beside the ledger's own questions.
    enum StatusQuestion: CaseIterable {
        /// The newest call or job event.
        case lastAction
        /// The newest drift, call or override event: a drift is current only if nothing came after it.
        case latestDriftOrAction
        /// The newest `error` event (when a persisting problem started).
        case lastError

        var asked: LatestEventQuestion {
            switch self {
            case .lastAction: LatestEventQuestion(kinds: [.pauseOutcome, .resumeOutcome, .jobCompleted, .jobFailed])
            case .latestDriftOrAction:
                LatestEventQuestion(kinds: [.drift, .pauseOutcome, .resumeOutcome, .overrideSet, .overrideCleared])
            case .lastError: LatestEventQuestion(kinds: [.error])
            }
        }
    }

    /// What stopped the pair's last pass, with the time it was first recorded; nil when that
    /// pass reached its desired state (or no pass ran yet).
    static func outstandingError(outcome: PassOutcome?, recorded: AuditEvent?) -> PairError? {
        guard let outcome, let problem = outcome.problem else { return nil }
        // A persisting problem is recorded once, when it starts (`recorded`, the pair's newest
        // error event): report that time.
        let since = recorded?.event.detail == problem ? min(recorded!.event.at, outcome.at) : outcome.at
        return PairError(at: since, message: problem)
    }
}

/// A failure `status` reports: what went wrong, and since when.
public struct PairError: Sendable, Equatable {
    public var at: Date
    public var message: String
}
