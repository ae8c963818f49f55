import Foundation
import SyncwindowSchedule
import Testing

@testable import SyncwindowReconciler

/// When `run` starts its next pass: at the next window edge after the pass it just ran
/// *started*, so an edge crossed during a slow pass is served at once, not an interval late.
@Suite("run's next pass")
struct ReconcileLoopTests {
    static let schedule: Schedule = {
        let window = Window(
            name: "nightly", cron: try! .parse("30 1 * * *"), timeZone: .gmt, duration: 7200, pairs: .all)
        return Schedule(windows: [window])
    }()

    static func time(_ text: String) -> Date { RFC3339.parse(text)! }

    @Test("an edge crossed while the pass ran starts the next pass at once")
    func edgeCrossedDuringPass() {
        // Given a pass that started before 01:30 and, slowed by a Retry-After, ended after it
        let started = Self.time("2026-12-01T01:29:50Z")
        let finished = Self.time("2026-12-01T01:30:41Z")
        // When the loop computes its next wake-up
        let wake = ReconcileLoop.nextWake(
            passStartedAt: started, finishedAt: finished, schedule: Self.schedule, interval: 60)
        // Then it is not later than now: the window's open is served without waiting a minute
        #expect(wake <= finished)
        #expect(wake == Self.time("2026-12-01T01:30:00Z"))
    }

    @Test("an edge ahead, within the interval, is waited for exactly")
    func edgeAhead() {
        let wake = ReconcileLoop.nextWake(
            passStartedAt: Self.time("2026-12-01T01:29:30Z"), finishedAt: Self.time("2026-12-01T01:29:31Z"),
            schedule: Self.schedule, interval: 60)
        #expect(wake == Self.time("2026-12-01T01:30:00Z"))
    }

    @Test("no edge near: the regular interval after the pass finished")
    func noEdge() {
        let finished = Self.time("2026-12-01T12:00:05Z")
        let wake = ReconcileLoop.nextWake(
            passStartedAt: Self.time("2026-12-01T12:00:00Z"), finishedAt: finished, schedule: Self.schedule,
            interval: 60)
        #expect(wake == finished.addingTimeInterval(60))
    }

    @Test("a pass started exactly at an edge does not serve that edge twice")
    func passAtEdge() {
        let wake = ReconcileLoop.nextWake(
            passStartedAt: Self.time("2026-12-01T01:30:00Z"), finishedAt: Self.time("2026-12-01T01:30:02Z"),
            schedule: Self.schedule, interval: 60)
        #expect(wake == Self.time("2026-12-01T01:31:02Z"))
    }
}
