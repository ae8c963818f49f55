import Foundation
import Testing

@testable import SyncwindowSchedule

@Suite struct WindowTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static func window(
        _ name: String = "nightly", cron: String = "30 1 * * *", zone: TimeZone = shanghai,
        duration: TimeInterval = 7200,
        pairs: PairSelector = .named(["orders-cache"]), activeFrom: String? = nil, activeUntil: String? = nil,
        except: [String] = [], enabled: Bool = true
    ) throws -> Window {
        Window(
            name: name, cron: try CronExpression.parse(cron), timeZone: zone, duration: duration, pairs: pairs,
            activeFrom: activeFrom.flatMap(LocalDate.parse), activeUntil: activeUntil.flatMap(LocalDate.parse),
            exceptDates: Set(except.compactMap(LocalDate.parse)), enabled: enabled)
    }

    static func t(_ text: String) -> Date { RFC3339.parse(text)! }

    @Test func occurrenceEndsDurationAfterItsStartAcrossMidnight() throws {
        let w = try Self.window(cron: "0 23 * * *", duration: 3 * 3600)
        let occurrences = w.occurrences(
            startingFrom: Self.t("2026-12-01T00:00:00+08:00"), before: Self.t("2026-12-03T00:00:00+08:00"))
        #expect(occurrences.map(\.start) == [Self.t("2026-12-01T23:00:00+08:00"), Self.t("2026-12-02T23:00:00+08:00")])
        #expect(occurrences.map(\.end) == [Self.t("2026-12-02T02:00:00+08:00"), Self.t("2026-12-03T02:00:00+08:00")])
        #expect(
            w.occurrences(openAt: Self.t("2026-12-02T01:59:59+08:00")).map(\.start) == [
                Self.t("2026-12-01T23:00:00+08:00")
            ])
        #expect(w.occurrences(openAt: Self.t("2026-12-02T02:00:00+08:00")).isEmpty)
    }

    @Test func rangeIncludesAStartAtFromAndExcludesOneAtTo() throws {
        let w = try Self.window()
        let from = Self.t("2026-12-01T01:30:00+08:00")
        #expect(w.occurrences(startingFrom: from, before: from + 86_400).map(\.start) == [from])
    }

    @Test func exceptAndActiveDatesApplyToTheLocalDateOfTheStart() throws {
        // 23:30 in Shanghai is 15:30Z: the local date, not the UTC date, decides.
        let w = try Self.window(
            cron: "30 23 * * *", activeFrom: "2026-12-01", activeUntil: "2026-12-05", except: ["2026-12-03"])
        let starts = w.occurrences(startingFrom: Self.t("2026-11-25T00:00:00Z"), before: Self.t("2026-12-31T00:00:00Z"))
            .map { LocalDate(containing: $0.start, in: Self.shanghai).description }
        #expect(starts == ["2026-12-01", "2026-12-02", "2026-12-04", "2026-12-05"])
    }

    @Test func disabledWindowNeverOpens() throws {
        let w = try Self.window(enabled: false)
        #expect(
            w.occurrences(startingFrom: Self.t("2026-12-01T00:00:00Z"), before: Self.t("2027-12-01T00:00:00Z")).isEmpty)
        #expect(w.occurrences(openAt: Self.t("2026-12-01T02:00:00+08:00")).isEmpty)
    }

    @Test func durationIsElapsedTimeAcrossAFallBack() throws {
        // Opens 01:30 CEST on 2026-10-25; two hours later the clock reads 02:30 CET.
        let w = try Self.window(cron: "30 1 * * *", zone: Self.berlin, duration: 7200)
        let o = try #require(w.occurrences(startingFrom: Self.t("2026-10-25T00:00:00+02:00"), count: 1).first)
        #expect(o.start == Self.t("2026-10-25T01:30:00+02:00"))
        #expect(o.end == Self.t("2026-10-25T02:30:00+01:00"))
        #expect(RFC3339.format(o.end, in: Self.berlin) == "2026-10-25T02:30:00+01:00")
    }

    @Test func openAtAcrossASpringForwardUsesTheShiftedStart() throws {
        // 02:30 does not exist on 2026-03-29 in Berlin: the window opens at 03:00 CEST.
        let w = try Self.window(cron: "30 2 * * *", zone: Self.berlin, duration: 3600)
        #expect(w.occurrences(openAt: Self.t("2026-03-29T02:59:00+02:00")).isEmpty)  // 00:59Z, before the gap ends
        let open = w.occurrences(openAt: Self.t("2026-03-29T03:30:00+02:00"))
        #expect(open.map(\.start) == [Self.t("2026-03-29T03:00:00+02:00")])
        #expect(open.map(\.end) == [Self.t("2026-03-29T04:00:00+02:00")])
    }

    @Test func countedOccurrencesStartAtOrAfterFrom() throws {
        let w = try Self.window()
        let from = Self.t("2026-12-01T01:30:00+08:00")
        #expect(w.occurrences(startingFrom: from, count: 3).map(\.start) == [from, from + 86_400, from + 2 * 86_400])
    }
}
