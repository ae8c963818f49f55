import Foundation
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowReport
import SyncwindowSchedule
import Testing

/// "The plan as it was" (issue 11 item 5): passes record the configuration they ran with,
/// and the report judges each instant against the one in force then, from the trail's first
/// pass on — over the in-memory drivers, nights in milliseconds.
///
/// The fixture's window `nightly` opens 01:30 UTC for 2 h on both pairs.
@Suite("plan history")
struct PlanHistoryTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    /// A pass at `text` by a reconciler running `configuration` over the system's drivers.
    @discardableResult
    static func pass(_ system: InMemorySystem, _ configuration: SyncwindowConfiguration, at text: String)
        async throws -> PassResult
    {
        let reconciler = Reconciler(
            configuration: configuration, cloud: system.cloud, audit: system.audit, logger: Logger(label: "test"),
            clock: system.clock, locks: system.locks)
        return try await reconciler.runPass(
            ReconcileOptions(
                at: at(text), lockTimeout: .seconds(10), jobTimeout: .seconds(300), pollInterval: .seconds(2)))
    }

    /// Nights `days` served by `configuration`: paused at 01:30:20, resumed at 03:30:20.
    static func serve(_ system: InMemorySystem, _ configuration: SyncwindowConfiguration, days: ClosedRange<Int>)
        async throws
    {
        for day in days {
            try await pass(system, configuration, at: "2026-12-0\(day)T01:30:20Z")
            try await pass(system, configuration, at: "2026-12-0\(day)T03:30:20Z")
        }
    }

    static func report(_ system: InMemorySystem, _ configuration: SyncwindowConfiguration, until: String) async throws
        -> PeriodSummary
    {
        try await PeriodReport.summary(
            configuration: configuration, audit: system.audit, since: at("2026-12-01T00:00:00Z"), until: at(until))
    }

    /// The fixture's configuration with `windows`, as if its files had been edited.
    static func edited(_ config: SyncwindowConfiguration, hash: String, _ windows: [Window]) -> SyncwindowConfiguration
    {
        var edited = config
        edited.windows = windows
        edited.contentHash = hash
        return edited
    }

    static let midday = Window(
        name: "midday", cron: try! CronExpression.parse("0 12 * * *"), timeZone: .gmt, duration: 3600, pairs: .all)

    @Test("a window file added after five nights adds nothing planned or missed to those nights")
    func addedWindowLeavesThePastAlone() async throws {
        try await InMemorySystem.with { system in
            // Given five nights served with the fixture's window
            try await Self.serve(system, system.config, days: 1...5)
            // When a second window is added (a new file) and passes run with it
            let added = Self.edited(system.config, hash: "added", system.config.windows + [Self.midday])
            try await Self.pass(system, added, at: "2026-12-06T01:30:20Z")
            try await Self.pass(system, added, at: "2026-12-06T03:30:20Z")
            // Then the report, run with today's files, counts the five nights as they were planned
            let summary = try await Self.report(system, added, until: "2026-12-06T00:00:00Z")
            let orders = try #require(summary.pairs.first { $0.pair == "orders" })
            #expect(orders.windowsPlanned == 5)
            #expect(orders.windowsHonoured == 5)
            #expect(orders.windowsMissed == 0)
            #expect(orders.pausedOutsideWindowsSeconds == 5 * 20, "each resume came 20 s after the close")
            #expect(summary.configurations.map(\.configSHA256) == [system.config.contentHash])
            // And from the change on, the new window is planned (the 12:00 one is missed: no pass ran)
            let later = try await Self.report(system, added, until: "2026-12-07T00:00:00Z")
            let laterOrders = try #require(later.pairs.first { $0.pair == "orders" })
            #expect(laterOrders.windowsPlanned == 7)
            #expect(laterOrders.windowsMissed == 1)
            #expect(later.configurations.map(\.configSHA256) == [system.config.contentHash, "added"])
            #expect(later.notes.contains { $0.hasPrefix("configuration changed at 2026-12-06T01:30:20Z") })
        }
    }

    @Test("a window disabled after three nights still counts those nights planned and honoured, with their pauses")
    func disabledWindowKeepsItsPast() async throws {
        try await InMemorySystem.with { system in
            // Given three nights served
            try await Self.serve(system, system.config, days: 1...3)
            // When the window is disabled and the next pass (with nothing to do) runs
            var nightly = system.config.windows[0]
            nightly.enabled = false
            let disabled = Self.edited(system.config, hash: "disabled", [nightly])
            let idle = try await Self.pass(system, disabled, at: "2026-12-03T12:00:00Z")
            #expect(idle.pairs.allSatisfy { $0.actions.isEmpty })
            // Then that pass recorded the change, and a second one at the same instant writes nothing
            let recorded = try await system.audit.events(AuditQuery(kinds: [.configuration]))
            #expect(recorded.count == 2)
            #expect(recorded.last?.event.reason == "changed from sha256=\(system.config.contentHash)")
            let count = try await system.audit.events().count
            try await Self.pass(system, disabled, at: "2026-12-03T12:00:00Z")
            #expect(try await system.audit.events().count == count)
            // And the report over the week counts the three nights, none missed after the change
            let summary = try await Self.report(system, disabled, until: "2026-12-08T00:00:00Z")
            let orders = try #require(summary.pairs.first { $0.pair == "orders" })
            #expect(orders.windowsPlanned == 3)
            #expect(orders.windowsHonoured == 3)
            #expect(orders.windowsMissed == 0)
            #expect(orders.pauses == 3)
            #expect(orders.timeline.suppressed.map(\.reason) == Array(repeating: "window disabled", count: 4))
        }
    }

    @Test("on a fresh install the week before the first pass is not planned, let alone missed")
    func freshInstallMissesNothingBeforeItBegan() async throws {
        try await InMemorySystem.with { system in
            // Given an empty trail, the report says nothing was planned
            let empty = try await Self.report(system, system.config, until: "2026-12-08T13:00:00Z")
            #expect(empty.pairs.allSatisfy { $0.windowsPlanned == 0 && $0.windowsMissed == 0 })
            #expect(empty.notes == ["the trail records no pass yet: no window is counted as planned"])
            // When the first pass runs, outside any window
            try await Self.pass(system, system.config, at: "2026-12-08T12:00:00Z")
            // Then it recorded its configuration (bracketed by the pass), and nothing else
            let kinds = try await system.audit.events().map(\.event.kind)
            #expect(kinds == [.passStarted, .configuration, .passFinished])
            // And the last 7 days show no missed window before it
            let summary = try await Self.report(system, system.config, until: "2026-12-08T13:00:00Z")
            #expect(summary.pairs.allSatisfy { $0.windowsPlanned == 0 && $0.windowsMissed == 0 })
            #expect(summary.trailBegan == Self.at("2026-12-08T12:00:00Z"))
            #expect(
                summary.notes.first?.hasPrefix("windows before the trail's first pass at 2026-12-08T12:00:00Z") == true)
            // And a window that opens after it, with no pass, is missed again
            let next = try await Self.report(system, system.config, until: "2026-12-09T12:00:00Z")
            #expect(next.pairs.allSatisfy { $0.windowsPlanned == 1 && $0.windowsMissed == 1 })
        }
    }

    @Test("a window already open when the trail began counts, and is honoured by the first pass")
    func windowOpenAtTheFirstPassCounts() async throws {
        try await InMemorySystem.with { system in
            try await Self.serve(system, system.config, days: 2...2)
            let summary = try await Self.report(system, system.config, until: "2026-12-03T00:00:00Z")
            #expect(summary.pairs.allSatisfy { $0.windowsPlanned == 1 && $0.windowsHonoured == 1 })
            #expect(summary.pairs.allSatisfy { $0.pausedOutsideWindowsSeconds == 20 }, "resumed 20 s late")
        }
    }

    @Test("a pair added to the config counts only from the first configuration that names it")
    func pairAddedLater() async throws {
        try await InMemorySystem.with { system in
            var ordersOnly = system.config
            ordersOnly.pairs = ordersOnly.pairs.filter { $0.name == "orders" }
            ordersOnly.contentHash = "orders-only"
            try await Self.serve(system, ordersOnly, days: 1...2)
            try await Self.serve(system, system.config, days: 3...3)
            let summary = try await Self.report(system, system.config, until: "2026-12-04T00:00:00Z")
            let sessions = try #require(summary.pairs.first { $0.pair == "sessions" })
            #expect(sessions.windowsPlanned == 1)
            #expect(sessions.windowsHonoured == 1)
            #expect(sessions.plannedFrom == Self.at("2026-12-03T01:30:20Z"))
            #expect(summary.pairs.first { $0.pair == "orders" }?.windowsPlanned == 3)
        }
    }

    @Test("a trail that records no configuration is judged by the current one from its first pass, and says so")
    func oldTrailFallsBackToTheCurrentConfiguration() async throws {
        try await InMemorySystem.with { system in
            // Given a trail written before configuration records: a pass on Dec 3 only
            let events = try await system.audit.append([
                NewAuditEvent(
                    at: Self.at("2026-12-03T01:30:20Z"), kind: .passStarted, actor: "s", detail: "config sha256=x"),
                NewAuditEvent(at: Self.at("2026-12-03T01:30:20Z"), kind: .passFinished, actor: "s"),
            ])
            // When the plan is rebuilt
            let plan = PlanHistory.build(events: events, current: system.config)
            // Then the current configuration judges from the first pass on, and a note says why
            #expect(plan.eras.map(\.source) == [.current])
            #expect(plan.eras.first?.from == Self.at("2026-12-03T01:30:20Z"))
            #expect(plan.notes.first?.text.hasPrefix("the trail records no configuration") == true)
            // And the report counts Dec 3 and later only: Dec 3 missed (that pass paused nothing), Dec 4 too
            let summary = try await Self.report(system, system.config, until: "2026-12-05T00:00:00Z")
            #expect(summary.pairs.allSatisfy { $0.windowsPlanned == 2 && $0.windowsMissed == 2 })
            #expect(summary.configurations.map(\.source) == [.current])
        }
    }

    @Test("history older than the first configuration record is judged by that record, and says so")
    func historyBeforeTheFirstRecord() async throws {
        try await InMemorySystem.with { system in
            // Given a pass recorded the old way on Dec 1, before this version recorded configurations
            try await system.audit.append([
                NewAuditEvent(
                    at: Self.at("2026-12-01T01:30:20Z"), kind: .passStarted, actor: "s", detail: "config sha256=old"),
                NewAuditEvent(at: Self.at("2026-12-01T01:30:20Z"), kind: .passFinished, actor: "s"),
            ])
            // When the upgraded passes serve Dec 2
            try await Self.serve(system, system.config, days: 2...2)
            // Then Dec 1 counts (missed here: the old pass did not pause), judged by the first record
            let summary = try await Self.report(system, system.config, until: "2026-12-03T00:00:00Z")
            let orders = try #require(summary.pairs.first { $0.pair == "orders" })
            #expect(orders.windowsPlanned == 2)
            #expect(orders.windowsMissed == 1)
            #expect(summary.configurations.map(\.source) == [.firstRecorded, .recorded])
            #expect(summary.notes.contains { $0.contains("predates configuration records") })
        }
    }
}
