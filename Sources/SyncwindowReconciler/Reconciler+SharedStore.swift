import Foundation
import SyncwindowAudit

extension Reconciler {
    /// On a shared store, before anything is read or recorded: this host's clock against the
    /// store's (once per pass), then its configuration against the one in effect. A dry run
    /// acts on nothing, so a skewed clock (or a rehearsal's `--at`) does not stop it; a diverged
    /// configuration does, so that `tick --dry-run` says what the timer would do.
    func checkSharedStore(_ options: ReconcileOptions) async throws -> (ClockSkew?, StandDown?) {
        guard let sharedStore else { return (nil, nil) }
        let skew = ClockSkew(
            try await sharedStore.readClock(), hostClockOffset: options.clockOffset,
            tolerance: sharedStore.maxClockSkew)
        if !skew.isAcceptable && !options.dryRun { return (skew, .clockSkew(skew)) }
        if let divergence = try await ConfigurationDivergence.find(
            ownSHA256: configuration.contentHash, host: sharedStore.host, in: audit)
        {
            return (skew, .configurationDiverged(divergence))
        }
        return (skew, nil)
    }
}
