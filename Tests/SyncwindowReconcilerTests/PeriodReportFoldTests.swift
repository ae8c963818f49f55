import Foundation
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule
import Testing

@testable import SyncwindowReport

/// The report reads the trail once and folds each pair's events as they come: the whole trail through one
/// cursor (SQLite), loaded (in memory) or pair by pair (`--pair`) gives each pair the same report.
@Suite("period report fold")
struct PeriodReportFoldTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    /// Three nights served, then what a report has to judge: an override, a skip, failures, a hand resume.
    static func eventful(_ system: InMemorySystem) async throws {
        try await PlanHistoryTests.serve(system, system.config, days: 1...3)
        func event(
            _ time: String, _ kind: AuditKind, pair: String = "orders", side: PairSide? = nil,
            outcome: String? = nil, detail: String? = nil, reason: String? = nil, until: String? = nil,
            window: String? = nil
        ) -> NewAuditEvent {
            NewAuditEvent(
                at: at(time), pair: pair, side: side, window: window, kind: kind, outcome: outcome,
                actor: "carol", reason: reason, detail: detail, until: until.map(at))
        }
        try await system.audit.append([
            event(
                "2026-12-03T12:00:00Z", .overrideSet, outcome: "syncing", reason: "load test",
                until: "2026-12-04T12:00:00Z"),
            event("2026-12-04T01:30:05Z", .skipped, reason: "cutoff", window: "nightly"),
            event("2026-12-04T01:31:00Z", .pauseOutcome, side: .primary, outcome: AuditOutcome.accepted.rawValue),
            event(
                "2026-12-04T01:31:00Z", .jobFailed, side: .primary, outcome: "job_failed", detail: "pause",
                reason: "boom"),
            event("2026-12-04T02:00:00Z", .error, pair: "sessions", detail: "pass error"),
            event(
                "2026-12-04T02:10:00Z", .pauseOutcome, pair: "sessions", side: .standby,
                outcome: AuditOutcome.accepted.rawValue),
            event(
                "2026-12-04T02:20:00Z", .drift, pair: "sessions", side: .standby,
                outcome: AuditOutcome.released.rawValue, detail: "resumed by hand"),
        ])
        try await PlanHistoryTests.pass(system, system.config, at: "2026-12-05T01:30:20Z")
    }

    @Test("whole trail, in memory or through SQLite's cursor, and pair by pair: the same report for every pair")
    func samePerPair() async throws {
        try await InMemorySystem.with { system in
            try await Self.eventful(system)
            let since = Self.at("2026-12-02T00:00:00Z"), until = Self.at("2026-12-05T02:00:00Z")
            // A copy of the trail in SQLite, read through its cursor
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
            defer { try? FileManager.default.removeItem(at: directory) }
            let sqlite = try AuditStore.open(stateDirectory: directory.path, wallClock: { since })
            for event in try await system.audit.events() { try await sqlite.append(event.event) }
            let loaded = try await PeriodReport.summary(
                configuration: system.config, audit: system.audit, since: since, until: until)
            let streamed = try await PeriodReport.summary(
                configuration: system.config, audit: sqlite, since: since, until: until)
            #expect(loaded.pairs == streamed.pairs)
            #expect(loaded.notes == streamed.notes && loaded.trailBegan == streamed.trailBegan)
            for report in loaded.pairs {
                let single = try await PeriodReport.build(
                    configuration: system.config, audit: sqlite, since: since, until: until, pairs: [report.pair])
                #expect(single == [report])
            }
            // And the report saw what it had to judge
            let orders = try #require(loaded.pairs.first { $0.pair == "orders" })
            let sessions = try #require(loaded.pairs.first { $0.pair == "sessions" })
            #expect(orders.windowsSkipped == 1 && orders.overrideHolds.count == 1 && orders.failures == 1)
            #expect(sessions.failures == 1 && sessions.pausedSeconds > 0)
        }
    }
}
