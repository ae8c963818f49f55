import Foundation
import Logging
import SyncwindowReconciler
import SyncwindowSchedule
import Testing

/// The reconciler with a shared store's guard, over the in-memory drivers: a skewed host
/// stands down before reading or calling anything, and a pair's trail never runs backwards.
@Suite("shared store guard in the reconciler")
struct SharedStoreGuardTests {
    /// The system's reconciler, guarded as on a shared store whose clock reads `storeNow`.
    static func guarded(_ system: InMemorySystem, storeNow: Date, rehearsal: Bool) -> Reconciler {
        let wallNow = system.clock.wallNow
        return Reconciler(
            configuration: system.config, cloud: system.cloud, audit: system.audit, logger: Logger(label: "test"),
            clock: system.clock, locks: system.locks,
            sharedStore: SharedStoreGuard(host: "host-a", maxClockSkew: 5) {
                StoreClockReading(storeNow: storeNow, sentAt: wallNow(), answeredAt: wallNow(), rehearsal: rehearsal)
            })
    }

    static func options(_ text: String, clockOffset: TimeInterval = 0) -> ReconcileOptions {
        var options = ReconcileOptions(at: RFC3339.parse(text)!, pollInterval: .seconds(2))
        options.clockOffset = clockOffset
        return options
    }

    @Test("a host 2 h ahead of the store stands down: no call, no event")
    func skewedHostStandsDown() async throws {
        try await InMemorySystem.with { system in
            let reconciler = Self.guarded(system, storeNow: system.clock.wallNow(), rehearsal: false)
            let result = try await reconciler.runPass(Self.options("2026-12-01T03:30:00Z", clockOffset: 7200))
            guard case .clockSkew(let skew) = result.standDown else {
                Issue.record("no stand down: \(result)")
                return
            }
            #expect(skew.seconds < -7199 && result.pairs.isEmpty && result.verdict == .notConverged)
            #expect(await system.cloud.engine.requests().isEmpty)
            #expect(try await system.audit.events().isEmpty)
        }
    }

    @Test("on a rehearsal store a pass behind a pair's trail refuses the pair: paused once, resumed once")
    func trailNeverRunsBackwards() async throws {
        try await InMemorySystem.with { system in
            let reconciler = Self.guarded(system, storeNow: system.clock.wallNow(), rehearsal: true)
            let instants = [
                "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z", "2026-12-01T02:01:00Z", "2026-12-01T04:01:00Z",
                "2026-12-01T02:00:55Z",
            ]
            var verdicts: [PassVerdict] = []
            for instant in instants { verdicts.append(try await reconciler.runPass(Self.options(instant)).verdict) }
            #expect(verdicts == [.converged, .converged, .notConverged, .converged, .notConverged])
            // Four instances, one pause and one resume each.
            #expect(await system.posts().count == 8)
            // Within twice the tolerance (10 s) a pass just behind is not refused.
            let close = try await reconciler.runPass(Self.options("2026-12-01T03:59:55Z"))
            #expect(close.verdict == .converged)
        }
    }
}
