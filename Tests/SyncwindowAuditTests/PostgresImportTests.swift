import Foundation
import Logging
import SyncwindowPostgres
import SyncwindowTestSupport
import Testing

@testable import SyncwindowAudit

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)
private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// `audit migrate --from-sqlite` copies a trail in multi-row INSERTs, and the PostgreSQL reads (`verify`, the
/// event cursor) read each row as one record: both must keep every row exactly as SQLite holds it.
@Suite("PostgreSQL import and record reads", .serialized, .enabled(if: PostgresServer.available))
struct PostgresImportTests {
    /// The `i`th event of a trail: every column set and unset in turn, text to quote, an intent pointing back.
    static func event(_ i: Int) -> NewAuditEvent {
        let kinds: [AuditKind] = [.passStarted, .pauseIntent, .pauseOutcome, .drift, .overrideSet, .error, .skipped]
        return NewAuditEvent(
            at: t0.addingTimeInterval(Double(i) * 1.5), passID: i % 3 == 0 ? nil : "pass-\(i / 10)",
            pair: i % 5 == 0 ? nil : "pair-\(i % 7)", side: i % 2 == 0 ? .primary : (i % 3 == 0 ? nil : .standby),
            window: i % 4 == 0 ? nil : "nightly", kind: kinds[i % kinds.count],
            outcome: i % 6 == 0 ? nil : "accepted", jobID: i % 8 == 0 ? nil : "job-\(i)", actor: "çarol \(i % 2)",
            reason: i % 9 == 0 ? "" : "it's \"quoted\", $1 and \\ too", detail: i % 11 == 0 ? nil : "line\nbreak \(i)",
            until: i % 13 == 0 ? t0.addingTimeInterval(3600) : nil, intentID: i > 1 && i % 3 == 1 ? Int64(i - 1) : nil,
            host: i % 10 == 0 ? nil : "host-\(i % 2)")
    }

    @Test("a migrate of more rows than one INSERT takes copies them verbatim, and they verify")
    func importManyRows() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = try AuditStore.open(stateDirectory: directory.url("state").path, wallClock: { t0 })
        // More than two INSERTs of 2,000 rows.
        let total = 4_321
        for start in stride(from: 0, to: total, by: 500) {
            try await source.append((start..<min(start + 500, total)).map(Self.event))
        }
        let sqliteRows = try await source.rawRows(after: 0, limit: total + 1)
        #expect(sqliteRows.count == total)
        let sqliteVerification = try await source.verify()

        let database = try PostgresServer.shared().makeDatabase()
        try await PostgresBackend.with(database.settings, password: PostgresServer.rolePassword, logger: quiet) {
            backend in
            let target = try await PostgresAuditStore.open(backend, wallClock: { t0 })
            // Pages of 5,000 rows: each page goes in three INSERTs, the last one short.
            #expect(try await target.importRows(from: source, pageSize: 5_000) == total)
            #expect(try await target.count() == Int64(total))
            #expect(try await target.verify() == sqliteVerification)
            guard case .intact(let count, _) = sqliteVerification else {
                Issue.record("the SQLite trail does not verify: \(sqliteVerification)")
                return
            }
            #expect(count == total)

            let copied = try await target.events(AuditQuery())
            #expect(copied == (try await source.events(AuditQuery())))
            var streamed: [AuditEvent] = []
            try await target.forEachEvent(AuditQuery()) { streamed.append($0) }
            #expect(streamed == copied)
            for query in [
                AuditQuery(kinds: []), AuditQuery(pair: "pair-3", kinds: [.drift, .error]),
                AuditQuery(since: t0.addingTimeInterval(600), until: t0.addingTimeInterval(3000)),
                AuditQuery(pair: "o'brien"),
            ] {
                var events: [AuditEvent] = []
                try await target.forEachEvent(query) { events.append($0) }
                #expect(events == (try await target.events(query)), "\(query)")
                #expect(events == (try await source.events(query)), "\(query)")
            }
        }
    }

    @Test("an import into a store that already holds events copies nothing")
    func importRefusesNonEmpty() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = try AuditStore.open(stateDirectory: directory.url("state").path, wallClock: { t0 })
        try await source.append((0..<3).map(Self.event))
        let database = try PostgresServer.shared().makeDatabase()
        try await PostgresBackend.with(database.settings, password: PostgresServer.rolePassword, logger: quiet) {
            backend in
            let target = try await PostgresAuditStore.open(backend, wallClock: { t0 })
            try await target.append([Self.event(0)], fence: nil)
            await #expect(throws: StoreNotEmpty.self) { _ = try await target.importRows(from: source) }
            #expect(try await target.count() == 1)
        }
    }
}
