import Foundation
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowSchedule
import Testing

@testable import SyncwindowReport

/// The pure parts of the report's newer figures, on hand-written trails.
@Suite("Period report figures")
struct PeriodReportFiguresTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    static func event(
        _ id: Int64, _ time: String, _ kind: AuditKind, side: PairSide? = nil, outcome: String? = nil,
        detail: String? = nil, until: String? = nil, actor: String = "syncwindow", reason: String? = nil
    ) -> AuditEvent {
        AuditEvent(
            id: id, recordedAt: at(time),
            event: NewAuditEvent(
                at: at(time), pair: "orders", side: side, kind: kind, outcome: outcome, actor: actor, reason: reason,
                detail: detail, until: until.map(at)),
            previousHash: "", hash: "")
    }

    @Test(
        "latency percentiles by nearest rank",
        arguments: [
            ([5, 20, 30, 310], 20, 310, 310),
            ([7], 7, 7, 7),
            // 20 values 1...20: p50 is the 10th, p95 the 19th.
            (Array(1...20).map(Double.init), 10, 19, 20),
        ] as [([Double], Double, Double, Double)])
    func latencyPercentiles(latencies: [Double], p50: Double, p95: Double, max: Double) {
        let summary = LatencySummary(latencies)
        #expect(summary?.p50 == p50)
        #expect(summary?.p95 == p95)
        #expect(summary?.max == max)
    }

    @Test("no honoured window: no latency summary")
    func noLatency() {
        #expect(LatencySummary([]) == nil)
    }

    @Test("paused time outside windows: what the windows do not cover, piece by piece")
    func subtractWindows() {
        let windows = [
            DateInterval(start: Self.at("2026-12-01T01:00:00Z"), end: Self.at("2026-12-01T03:00:00Z")),
            DateInterval(start: Self.at("2026-12-01T02:00:00Z"), end: Self.at("2026-12-01T04:00:00Z")),
        ]
        let paused = [
            DateInterval(start: Self.at("2026-12-01T00:50:00Z"), end: Self.at("2026-12-01T04:10:00Z")),
            DateInterval(start: Self.at("2026-12-01T12:00:00Z"), end: Self.at("2026-12-01T13:00:00Z")),
            DateInterval(start: Self.at("2026-12-01T01:30:00Z"), end: Self.at("2026-12-01T02:30:00Z")),
        ]
        let outside = PeriodReport.subtract(windows, from: paused)
        // 00:50–01:00 before, 04:00–04:10 after the two overlapping windows, and all of 12:00–13:00.
        #expect(outside.map(\.duration) == [600, 600, 3600])
        #expect(outside.first?.start == Self.at("2026-12-01T00:50:00Z"))
    }

    @Test("a resume whose jobs fail does not end the pause; a pause whose job fails holds nothing")
    func failedJobsAndIntervals() {
        let events = [
            Self.event(
                1, "2026-12-07T01:00:10Z", .pauseOutcome, side: .primary, outcome: AuditOutcome.accepted.rawValue),
            Self.event(2, "2026-12-07T01:00:10Z", .jobFailed, side: .primary, outcome: "job_failed", detail: "pause"),
            Self.event(
                3, "2026-12-08T01:00:00Z", .pauseOutcome, side: .primary, outcome: AuditOutcome.accepted.rawValue),
            Self.event(
                4, "2026-12-08T03:00:00Z", .resumeOutcome, side: .primary, outcome: AuditOutcome.accepted.rawValue),
            Self.event(5, "2026-12-08T03:00:00Z", .jobFailed, side: .primary, outcome: "job_failed", detail: "resume"),
            Self.event(
                6, "2026-12-08T03:20:00Z", .resumeOutcome, side: .primary, outcome: AuditOutcome.accepted.rawValue),
        ]
        let intervals = PeriodReport.pausedIntervals(events, openUntil: Self.at("2026-12-09T00:00:00Z"))
        #expect(intervals.map(\.duration) == [0, 8400])
        #expect(intervals.last?.start == Self.at("2026-12-08T01:00:00Z"))
    }

    @Test("an override lasts until its end, or until it is cleared or replaced")
    func overrideHolds() {
        let events = [
            Self.event(
                1, "2026-12-05T00:50:00Z", .overrideSet, outcome: "syncing", until: "2026-12-05T03:50:00Z",
                actor: "carol", reason: "load test"),
            Self.event(2, "2026-12-05T02:00:00Z", .overrideCleared, actor: "carol", reason: "done"),
            Self.event(
                3, "2026-12-05T12:00:00Z", .overrideSet, outcome: "paused", until: "2026-12-05T13:00:00Z",
                actor: "dave", reason: "drill"),
            Self.event(
                0, "2026-11-20T12:00:00Z", .overrideSet, outcome: "paused", until: "2026-11-20T13:00:00Z",
                actor: "erin", reason: "before the period"),
        ]
        let holds = PeriodReport.overrideHolds(
            events.sorted { $0.id < $1.id }, since: Self.at("2026-12-01T00:00:00Z"),
            until: Self.at("2026-12-09T00:00:00Z"))
        #expect(holds.map(\.actor) == ["carol", "dave"])
        #expect(holds.first?.ended == Self.at("2026-12-05T02:00:00Z"))
        #expect(holds.first?.until == Self.at("2026-12-05T03:50:00Z"))
        #expect(holds.last?.ended == Self.at("2026-12-05T13:00:00Z"))
    }

    @Test("an exception date is not planned but shows as suppressed, with its reason")
    func exceptionDates() throws {
        var window = Window(
            name: "nightly", cron: try CronExpression.parse("0 1 * * *"), timeZone: .gmt, duration: 7200,
            pairs: .all)
        window.exceptDates = [LocalDate(year: 2026, month: 12, day: 4)]
        let schedule = Schedule(windows: [window])
        let since = Self.at("2026-12-01T00:00:00Z"), until = Self.at("2026-12-09T00:00:00Z")
        let suppressed = schedule.suppressedOccurrences(forPair: "orders", startingFrom: since, before: until)
        #expect(suppressed.map(\.reason) == ["exception date 2026-12-04"])
        #expect(suppressed.first?.occurrence.start == Self.at("2026-12-04T01:00:00Z"))
        #expect(schedule.occurrences(forPair: "orders", startingFrom: since, before: until).count == 7)
    }
}
