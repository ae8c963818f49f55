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
        var result: [PairStatus] = []
        for pair in configuration.pairs where pairs?.contains(pair.name) ?? true {
            let ledger = try await PairLedger.load(pair: pair.name, at: instant, from: audit)
            let desired = ledger.desiredState(pair: pair.name, at: instant, schedule: schedule)
            let lastAction = try await audit.latest(
                pair: pair.name, kinds: [.pauseOutcome, .resumeOutcome, .jobCompleted, .jobFailed])
            let latestDriftOrAction = try await audit.latest(
                pair: pair.name, kinds: [.drift, .pauseOutcome, .resumeOutcome, .overrideSet, .overrideCleared])
            result.append(
                PairStatus(
                    pair: pair.name, desired: desired, live: observations[pair.name], lastAction: lastAction,
                    drift: latestDriftOrAction?.event.kind == .drift ? latestDriftOrAction : nil,
                    ownedSides: PairSide.allCases.filter(ledger.ownedSides.contains),
                    unsettledIntents: ledger.unsettledIntents.count))
        }
        return result
    }
}
