import Foundation
import Testing

@testable import SyncwindowSchedule

@Suite struct ScheduleTests {
    static func t(_ text: String) -> Date { RFC3339.parse(text)! }

    /// Two windows on orders-cache that overlap (01:30-03:30 and 03:00-04:00) and one on another pair.
    static func schedule() throws -> Schedule {
        let utc = TimeZone.gmt
        return Schedule(windows: [
            Window(
                name: "nightly", cron: try .parse("30 1 * * *"), timeZone: utc, duration: 7200,
                pairs: .named(["orders-cache"])),
            Window(
                name: "backup", cron: try .parse("0 3 * * *"), timeZone: utc, duration: 3600,
                pairs: .named(["orders-cache", "sessions"])),
            Window(name: "touching", cron: try .parse("0 4 * * *"), timeZone: utc, duration: 1800, pairs: .all),
            Window(
                name: "other", cron: try .parse("0 12 * * *"), timeZone: utc, duration: 600, pairs: .named(["sessions"])
            ),
        ])
    }

    @Test func windowsForPairHonourNamesAndStar() throws {
        let s = try Self.schedule()
        #expect(s.windows(forPair: "orders-cache").map(\.name) == ["nightly", "backup", "touching"])
        #expect(s.windows(forPair: "unknown").map(\.name) == ["touching"])
    }

    @Test func occurrencesAreSortedByStartThenWindowName() throws {
        let s = try Self.schedule()
        let o = s.occurrences(
            forPair: "orders-cache", startingFrom: Self.t("2026-12-01T00:00:00Z"),
            before: Self.t("2026-12-02T00:00:00Z"))
        #expect(o.map(\.window) == ["nightly", "backup", "touching"])
        let counted = s.occurrences(forPair: "orders-cache", startingFrom: Self.t("2026-12-01T00:00:00Z"), count: 4)
        #expect(counted.map(\.window) == ["nightly", "backup", "touching", "nightly"])
    }

    @Test func overlappingAndTouchingOccurrencesMergeIntoOnePause() throws {
        let s = try Self.schedule()
        let at = Self.t("2026-12-01T02:00:00Z")
        #expect(s.openOccurrences(forPair: "orders-cache", at: at).map(\.window) == ["nightly"])
        let merged = try #require(s.mergedInterval(forPair: "orders-cache", at: at))
        #expect(merged.start == Self.t("2026-12-01T01:30:00Z"))
        #expect(merged.end == Self.t("2026-12-01T04:30:00Z"))
        // From inside the last piece, the chain reaches back to the first open.
        #expect(
            s.mergedInterval(forPair: "orders-cache", at: Self.t("2026-12-01T04:10:00Z"))?.start
                == Self.t("2026-12-01T01:30:00Z"))
        // sessions has only backup and touching: 03:00-04:30.
        #expect(
            s.mergedInterval(forPair: "sessions", at: Self.t("2026-12-01T03:30:00Z"))
                == DateInterval(start: Self.t("2026-12-01T03:00:00Z"), end: Self.t("2026-12-01T04:30:00Z")))
        #expect(s.mergedInterval(forPair: "orders-cache", at: Self.t("2026-12-01T05:00:00Z")) == nil)
    }

    @Test func nextEdgeIsTheNextOpenOrCloseOfAnyWindow() throws {
        let s = try Self.schedule()
        #expect(s.nextEdge(after: Self.t("2026-12-01T00:00:00Z"), horizon: 86_400) == Self.t("2026-12-01T01:30:00Z"))
        #expect(s.nextEdge(after: Self.t("2026-12-01T01:30:00Z"), horizon: 86_400) == Self.t("2026-12-01T03:00:00Z"))
        #expect(s.nextEdge(after: Self.t("2026-12-01T03:00:00Z"), horizon: 86_400) == Self.t("2026-12-01T03:30:00Z"))
        #expect(s.nextEdge(after: Self.t("2026-12-01T03:30:00Z"), horizon: 86_400) == Self.t("2026-12-01T04:00:00Z"))
        #expect(s.nextEdge(after: Self.t("2026-12-01T04:00:00Z"), horizon: 86_400) == Self.t("2026-12-01T04:30:00Z"))
        #expect(s.nextEdge(after: Self.t("2026-12-01T12:10:00Z"), horizon: 3600) == nil)
    }

    @Test func nextEdgeAcrossASpringForwardIsTheShiftedOpen() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let s = Schedule(windows: [
            Window(name: "w", cron: try .parse("30 2 * * *"), timeZone: berlin, duration: 3600, pairs: .all)
        ])
        #expect(s.nextEdge(after: Self.t("2026-03-29T00:00:00Z"), horizon: 86_400) == Self.t("2026-03-29T01:00:00Z"))
        #expect(s.nextEdge(after: Self.t("2026-03-29T01:00:00Z"), horizon: 86_400) == Self.t("2026-03-29T02:00:00Z"))
    }
}
