import Foundation
import SyncwindowAudit
import Testing

@testable import SyncwindowReconciler

/// The pure rules behind a host standing down on a shared store (issue 17, items 2 and 3).
@Suite("host agreement: clock skew and configuration divergence")
struct HostAgreementTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    static func reading(storeAhead: TimeInterval, roundTrip: TimeInterval, rehearsal: Bool = false)
        -> StoreClockReading
    {
        StoreClockReading(
            storeNow: t0.addingTimeInterval(roundTrip / 2 + storeAhead), sentAt: t0,
            answeredAt: t0.addingTimeInterval(roundTrip), rehearsal: rehearsal)
    }

    @Test(
        "skew is judged against the tolerance plus half the round trip",
        arguments: [
            (storeAhead: 0.0, roundTrip: 0.002, acceptable: true),
            (storeAhead: 4.9, roundTrip: 0.0, acceptable: true),
            (storeAhead: -5.2, roundTrip: 0.0, acceptable: false),
            (storeAhead: -5.2, roundTrip: 0.5, acceptable: true),
            (storeAhead: 7200, roundTrip: 0.01, acceptable: false),
        ])
    func skewWithinTolerance(storeAhead: Double, roundTrip: Double, acceptable: Bool) {
        let skew = ClockSkew(
            Self.reading(storeAhead: storeAhead, roundTrip: roundTrip), hostClockOffset: 0, tolerance: 5)
        #expect(abs(skew.seconds - storeAhead) < 1e-6)
        #expect(skew.isAcceptable == acceptable)
    }

    @Test("--at moves the host's clock: 2 h ahead is refused, except on a rehearsal store")
    func atIsTheHostsClock() {
        let real = ClockSkew(Self.reading(storeAhead: 0, roundTrip: 0.01), hostClockOffset: 7200, tolerance: 5)
        #expect(!real.isAcceptable && real.seconds < -7199)
        #expect(StandDown.clockSkew(real).description.contains("ahead of"))
        let rehearsal = ClockSkew(
            Self.reading(storeAhead: 0, roundTrip: 0.01, rehearsal: true), hostClockOffset: 7200, tolerance: 5)
        #expect(rehearsal.isAcceptable)
    }

    static func configurationEvent(_ sha: String, host: String?, id: Int64) -> AuditEvent {
        AuditEvent(
            id: id, recordedAt: t0.addingTimeInterval(Double(id)),
            event: NewAuditEvent(
                at: t0, kind: .configuration, actor: "syncwindow",
                detail: ConfigurationSnapshot(configSHA256: sha, pairs: [], windows: []).json(), host: host),
            previousHash: "", hash: "\(id)")
    }

    @Test("the configuration most recently put into effect wins, judged per host")
    func divergenceRule() {
        let event = Self.configurationEvent
        func judge(_ own: String, newest: AuditEvent?, newestOwn: AuditEvent?) -> ConfigurationDivergence? {
            ConfigurationDivergence.judge(ownSHA256: own, host: "a", newest: newest, newestOwn: newestOwn)
        }
        // Nothing recorded yet, or the one in effect is this host's: act.
        #expect(judge("x", newest: nil, newestOwn: nil) == nil)
        #expect(judge("x", newest: event("x", "b", 2), newestOwn: nil) == nil)
        // A lone host that edits its files is never blocked by its own older events.
        #expect(judge("y", newest: event("x", "a", 2), newestOwn: event("x", "a", 2)) == nil)
        // A trail written before hosts were recorded blocks nobody.
        #expect(judge("y", newest: event("x", nil, 2), newestOwn: nil) == nil)
        // Another host put a newer configuration into effect after this host's: stand down.
        let behind = judge("x", newest: event("y", "b", 3), newestOwn: event("x", "a", 2))
        #expect(behind?.host == "b" && behind?.inEffectSHA256 == "y" && behind?.ownSHA256 == "x")
        // A host that just joined with other files waits for them to match.
        #expect(judge("z", newest: event("y", "b", 3), newestOwn: nil)?.host == "b")
        // A rollback (or any edit) made on this host since it last put one into effect wins.
        #expect(judge("x", newest: event("y", "b", 3), newestOwn: event("y", "a", 2)) == nil)
    }

    @Test("the metrics say why a host stood down, and its skew")
    func metrics() {
        let skew = ClockSkew(Self.reading(storeAhead: -7200, roundTrip: 0.01), hostClockOffset: 0, tolerance: 5)
        let result = PassResult(passID: "p", at: Self.t0, pairs: [], standDown: .clockSkew(skew), clockSkew: skew)
        let text = PassMetrics.render(result, exitCode: 1, wallClock: Self.t0)
        #expect(text.contains("syncwindow_host_standing_down{reason=\"clock_skew\"} 1"))
        #expect(text.contains("syncwindow_host_standing_down{reason=\"configuration\"} 0"))
        #expect(text.contains("syncwindow_clock_skew_seconds -7200"))
        #expect(text.contains("syncwindow_clock_skew_tolerance_seconds 5"))
    }
}
