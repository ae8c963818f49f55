import Foundation
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
    /// Sides syncwindow paused and has not resumed.
    public var ownedSides: [PairSide]
    public var unsettledIntents: Int
}

public enum StatusReader {
    public static func read(
        configuration: SyncwindowConfiguration, audit: AuditStore, at instant: Date, pairs: [String]? = nil
    ) async throws -> [PairStatus] {
        let schedule = Schedule(windows: configuration.windows)
        let observations = try await audit.observations()
        let selected = configuration.pairs.filter { pairs?.contains($0.name) ?? true }
        // One read transaction for all pairs: a consistent snapshot, and fast for hundreds of pairs.
        return try await audit.read { reader in
            try selected.map { pair in
                let ledger = try PairLedger.load(pair: pair.name, at: instant, from: reader)
                let lastAction = try reader.latest(
                    pair: pair.name, kinds: [.pauseOutcome, .resumeOutcome, .jobCompleted, .jobFailed])
                let latestDriftOrAction = try reader.latest(
                    pair: pair.name, kinds: [.drift, .pauseOutcome, .resumeOutcome, .overrideSet, .overrideCleared])
                return PairStatus(
                    pair: pair.name, desired: ledger.desiredState(pair: pair.name, at: instant, schedule: schedule),
                    live: observations[pair.name], lastAction: lastAction,
                    drift: latestDriftOrAction?.event.kind == .drift ? latestDriftOrAction : nil,
                    ownedSides: PairSide.allCases.filter(ledger.ownedSides.contains),
                    unsettledIntents: ledger.unsettledIntents.count)
            }
        }
    }
}
