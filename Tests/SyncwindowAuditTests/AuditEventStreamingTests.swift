import Foundation
import SyncwindowPostgres
import SyncwindowTestSupport
import Testing

@testable import SyncwindowAudit

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)

/// `AuditStoring.forEachEvent` on every driver: a cursor hands over exactly what `events(_:)` returns,
/// and SQLite, PostgreSQL and memory hand over the same events for the same appends.
@Suite("AuditEventStreaming")
struct AuditEventStreamingTests {
    /// Events with every column set and unset, text an export has to quote, and times out of order.
    static let trail: [NewAuditEvent] = [
        NewAuditEvent(at: t0, passID: "p1", kind: .passStarted, actor: "syncwindow", reason: "tick"),
        NewAuditEvent(
            at: t0.addingTimeInterval(1), passID: "p1", pair: "orders", side: .primary, window: "nightly",
            kind: .pauseIntent, actor: "syncwindow", reason: "window nightly open", detail: "instance a,\"b\""),
        NewAuditEvent(
            at: t0.addingTimeInterval(1.5), passID: "p1", pair: "orders", side: .primary, kind: .pauseOutcome,
            outcome: "accepted", jobID: "job-1", actor: "syncwindow", detail: "line\nbreak", intentID: 2),
        NewAuditEvent(
            at: t0.addingTimeInterval(-60), pair: "sessions", kind: .overrideSet, outcome: "paused",
            actor: "çarol ünïcode", reason: "=formula — drill", until: t0.addingTimeInterval(3600), host: "host-b"),
        NewAuditEvent(at: t0.addingTimeInterval(7200), pair: "orders", kind: .drift, actor: "syncwindow", detail: ""),
        NewAuditEvent(at: t0.addingTimeInterval(9000), passID: "p2", kind: .error, actor: "syncwindow"),
    ]

    static let queries: [AuditQuery] = [
        AuditQuery(), AuditQuery(pair: "orders"), AuditQuery(kinds: [.pauseOutcome, .overrideSet, .error]),
        AuditQuery(since: t0, until: t0.addingTimeInterval(7200)), AuditQuery(until: t0, pair: "sessions"),
        AuditQuery(pair: "nobody"),
    ]

    static func streamed(_ store: any AuditStoring, _ query: AuditQuery) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        try await store.forEachEvent(query) { events.append($0) }
        return events
    }

    @Test("a cursor hands over what events(_:) returns, query by query", arguments: AuditDriver.allCases)
    func cursorMatchesEvents(driver: AuditDriver) async throws {
        try await driver.withStore { store in
            try await store.append(Array(Self.trail.prefix(3)))
            try await store.append(Array(Self.trail.dropFirst(3)))
            for query in Self.queries {
                let loaded = try await store.events(query)
                #expect(try await Self.streamed(store, query) == loaded, "\(query)")
            }
            #expect(try await Self.streamed(store, AuditQuery()).count == Self.trail.count)
        }
    }

    @Test("SQLite and PostgreSQL stream the same events for the same appends", .enabled(if: PostgresServer.available))
    func sqliteAndPostgresAgree() async throws {
        var byDriver: [[AuditEvent]] = []
        for driver in [AuditDriver.sqlite, .postgres] {
            try await driver.withStore { store in
                try await store.append(Array(Self.trail.prefix(3)))
                try await store.append(Array(Self.trail.dropFirst(3)))
                var all: [AuditEvent] = []
                for query in Self.queries { all += try await Self.streamed(store, query) }
                byDriver.append(all)
            }
        }
        #expect(byDriver[0] == byDriver[1])
        #expect(byDriver[0].contains { $0.event.actor == "çarol ünïcode" && $0.event.host == "host-b" })
    }

    @Test(
        "an error thrown while streaming ends the read and reaches the caller",
        arguments: AuditDriver.allCases)
    func bodyErrorPropagates(driver: AuditDriver) async throws {
        struct Stop: Error {}
        try await driver.withStore { store in
            try await store.append(Self.trail)
            var seen = 0
            await #expect(throws: Stop.self) {
                try await store.forEachEvent(AuditQuery()) { _ in
                    seen += 1
                    if seen == 2 { throw Stop() }
                }
            }
            #expect(seen == 2)
            // And the store reads on afterwards
            #expect(try await Self.streamed(store, AuditQuery()).count == Self.trail.count)
        }
    }
}
