import Foundation
import Logging
import Synchronization
import SyncwindowSchedule
import SyncwindowTestSupport
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

    /// Windows whose starts fall in DST gaps and overlaps: Berlin (spring forward 02:00→03:00,
    /// back 03:00→02:00), New York (02:00→03:00, 02:00→01:00), Lord Howe (half-hour shifts,
    /// 02:00→02:30 and 02:00→01:30).
    static let dstWindows = [
        "year.yaml": """
        windows:
          - name: berlin
            cron: "30 2 * * *"
            timezone: Europe/Berlin
            duration: 1h
            pairs: [orders]
          - name: new-york-gap
            cron: "30 2 * * *"
            timezone: America/New_York
            duration: 30m
            pairs: [orders]
          - name: new-york-overlap
            cron: "30 1 * * *"
            timezone: America/New_York
            duration: 20m
            pairs: [orders]
          - name: lord-howe-gap
            cron: "15 2 * * *"
            timezone: Australia/Lord_Howe
            duration: 40m
            pairs: [orders]
          - name: lord-howe-overlap
            cron: "45 1 * * *"
            timezone: Australia/Lord_Howe
            duration: 10m
            pairs: [orders]
        """
    ]

    @Test("run on a simulated year: every window edge, DST nights included, is served within 1 s of its instant")
    func simulatedYear() async throws {
        try await InMemorySystem.with(windows: Self.dstWindows) { system in
            // Given `run`'s loop on the simulated clock (its sleeps move time at once), from
            // 2026-12-01 for a year, with passes every 6 hours besides the edges. The passes
            // select no pair: what is under test is when they start (what a pass does at an
            // edge, the reconciler tests cover).
            let end = system.clock.start.addingTimeInterval(366 * 86_400)
            let served = ServedInstants()
            let (finished, finish) = AsyncStream<Void>.makeStream()
            let loop = ReconcileLoop(
                reconciler: system.reconciler, interval: 6 * 3600,
                passOptions: { ReconcileOptions(at: $0, pairs: [], mode: .run) }, reload: { system.reconciler },
                afterPass: { result, _ in
                    served.instants.withLock { $0.append(result.at) }
                    if result.at >= end { finish.finish() }
                }, reloadRequests: ReloadRequests(), wallClock: system.clock.wallNow, clock: system.clock,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            // When it runs until a pass past the year
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await loop.run() }
                for await _ in finished {}
                group.cancelAll()
                try await group.waitForAll()
            }
            let took = ContinuousClock.now - started

            // Then every edge of the plan (cross-checked against cronsim by PlanAgainstCronsimTests)
            // has a pass within one second after it
            let schedule = system.reconciler.schedule
            let rows = schedule.plan(pairs: ["orders"], startingFrom: system.clock.start, before: end)
            var edges: [Date] = []
            for row in rows {
                let start = Date(timeIntervalSince1970: TimeInterval(row.start))
                edges += [start, start.addingTimeInterval(schedule.windows[row.window].duration)]
            }
            let passes = served.instants.withLock { $0 }.sorted()
            var late: [Date] = []
            for edge in edges.filter({ $0 < end }) {
                // The first pass at or after the edge
                var low = 0
                var high = passes.count
                while low < high {
                    let middle = (low + high) / 2
                    if passes[middle] < edge { low = middle + 1 } else { high = middle }
                }
                if low == passes.count || passes[low].timeIntervalSince(edge) > 1 { late.append(edge) }
            }
            #expect(edges.count > 3_600, "five windows a day for a year, opening and closing")
            #expect(late.isEmpty, "edges served late or never: \(late.prefix(5))")
            // And the DST nights, worked out by hand from the zones' rules: a start in a gap opens
            // at the gap's end, a start in an overlap opens once, at its first occurrence
            let dstNights = [
                "2027-03-28T01:00:00Z",  // Berlin 02:30 in the gap: 03:00 CEST
                "2027-10-31T00:30:00Z",  // Berlin 02:30 twice: the first, CEST
                "2027-03-14T07:00:00Z",  // New York 02:30 in the gap: 03:00 EDT
                "2027-11-07T05:30:00Z",  // New York 01:30 twice: the first, EDT
                "2027-04-03T14:45:00Z",  // Lord Howe 01:45 twice: the first, +11:00
                "2027-10-02T15:30:00Z",  // Lord Howe 02:15 in the gap: 02:30 +11:00
            ].map { RFC3339.parse($0)! }
            #expect(!edges.contains(RFC3339.parse("2027-11-07T06:30:00Z")!), "New York's second 01:30 opens nothing")
            for night in dstNights {
                #expect(edges.contains(night), "the plan opens a window at \(night)")
                #expect(passes.contains { $0 >= night && $0.timeIntervalSince(night) <= 1 }, "served at \(night)")
            }
            // In milliseconds per simulated day
            #expect(took < .seconds(60), "a simulated year took \(took)")
        }
    }
}

/// The instants of the passes a loop ran.
private final class ServedInstants: Sendable {
    let instants = Mutex<[Date]>([])
}
