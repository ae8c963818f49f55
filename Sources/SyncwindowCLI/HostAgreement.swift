import Foundation
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowPostgres
import SyncwindowReconciler
import SyncwindowReport

/// Whether this host agrees with a shared store on the time and the configuration, as
/// `status` and `check` show it: what a pass of this host would find before acting.
struct HostAgreement {
    var host: String
    var skew: ClockSkew
    var standDown: StandDown?

    /// Nil on SQLite, or when the trail could not be opened as a PostgreSQL store.
    /// - Parameter host: this host's id (`HostIdentity`).
    static func check(_ config: SyncwindowConfiguration, host: String, audit: any AuditStoring) async throws
        -> HostAgreement?
    {
        guard case .postgres(let settings) = config.store, let store = audit as? PostgresAuditStore else {
            return nil
        }
        let sharedStore = Wiring.sharedStoreGuard(store, settings: settings, host: host)
        let skew = ClockSkew(
            try await sharedStore.readClock(), hostClockOffset: 0, tolerance: sharedStore.maxClockSkew)
        if !skew.isAcceptable { return HostAgreement(host: sharedStore.host, skew: skew, standDown: .clockSkew(skew)) }
        let divergence = try await ConfigurationDivergence.find(
            ownSHA256: config.contentHash, host: sharedStore.host, in: audit)
        return HostAgreement(
            host: sharedStore.host, skew: skew, standDown: divergence.map { .configurationDiverged($0) })
    }

    /// One line for people: the clock skew, and why this host stands down when it does.
    var line: String {
        let skewText =
            "clock skew \(StandDown.seconds(skew.seconds)) (store minus host; tolerance \(StandDown.seconds(skew.tolerance)))"
        let rehearsal = skew.rehearsal ? ", rehearsal store" : ""
        guard let standDown else { return "host \(host): \(skewText)\(rehearsal); acts" }
        return "host \(host): \(skewText)\(rehearsal); STANDS DOWN: \(standDown)"
    }

    var json: JSONValue {
        .object([
            ("id", .string(host)), ("clock_skew_seconds", .number(skew.seconds)),
            ("max_clock_skew_seconds", .number(skew.tolerance)), ("rehearsal_store", .bool(skew.rehearsal)),
            ("stands_down", .bool(standDown != nil)),
            ("stand_down_reason", .optional(standDown?.reason)),
            ("stand_down_message", .optional(standDown?.description)),
        ])
    }
}
