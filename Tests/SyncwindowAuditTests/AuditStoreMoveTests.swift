import Foundation
import GRDB
import SyncwindowTestSupport
import Testing

@testable import SyncwindowAudit

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)
private let destination = "postgresql://syncwindow@db.example:5432/syncwindow"

private func event(_ index: Int, detail: String? = nil) -> NewAuditEvent {
    NewAuditEvent(
        at: t0.addingTimeInterval(Double(index)), pair: "orders", side: .primary, kind: .pauseIntent,
        actor: "syncwindow", reason: "window nightly", detail: detail)
}

private let mark = NewAuditEvent(
    at: t0.addingTimeInterval(60), kind: .trailMoved, actor: "carol", reason: "audit migrate", detail: destination)

/// A SQLite trail that `audit migrate` moved: its `trail_moved` mark is its last event, and
/// every later append refuses, naming where the trail went; a full disk is named as one.
@Suite("Audit store: moved trails and full disks")
struct AuditStoreMoveTests {
    let directory: TemporaryDirectory
    var state: String { directory.url("state").path }
    var file: String { state + "/audit.sqlite" }

    init() throws { directory = try TemporaryDirectory() }

    @Test("once marked moved, appends refuse — also those of a store opened before the mark")
    func appendsAfterTheMarkRefuse() async throws {
        // Given a pass's store, opened before the migration
        let pass = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        try await pass.append([event(0), event(1)])
        // When audit migrate marks the trail moved
        let migrate = try AuditStore.open(stateDirectory: state, wallClock: { t0 }, allowingMoved: true)
        let (stored, earlier) = try await migrate.markMoved(mark)
        #expect(!earlier && stored.id == 3 && stored.event.detail == destination)
        // Then the pass's next append refuses and writes nothing
        await #expect(throws: AuditStoreError.moved(path: file, destination: destination)) {
            try await pass.append(event(2))
        }
        #expect(try await pass.movedDestination() == destination)
        // ... a new writing open refuses too, while reading still works and verifies
        #expect(throws: AuditStoreError.moved(path: file, destination: destination)) {
            try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        }
        let reader = try AuditStore.openForReading(stateDirectory: state)
        #expect(try await reader.verify() == .intact(count: 3, headHash: stored.hash))
        #expect(try await reader.events(AuditQuery()).last?.event.kind == .trailMoved)
    }

    @Test("marking again (a migrate run a second time) returns the first mark and appends nothing")
    func markingTwiceKeepsTheFirst() async throws {
        let store = try AuditStore.open(stateDirectory: state, wallClock: { t0 }, allowingMoved: true)
        try await store.append(event(0))
        let first = try await store.markMoved(mark)
        var other = mark
        other.detail = "postgresql://syncwindow@elsewhere:5432/syncwindow"
        let second = try await store.markMoved(other)
        #expect(second.earlier && second.mark == first.mark)
        #expect(try await store.verify() == .intact(count: 2, headHash: first.mark.hash))
    }

    @Test("a write the disk has no room for is .diskFull, and the trail keeps what it had")
    func fullDatabaseIsDiskFull() async throws {
        let store = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        try await store.append(event(0))
        // SQLite's own limit on the file's pages stands in for the disk: the same SQLITE_FULL.
        try await store.database.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        await #expect(
            performing: { try await store.append(event(1, detail: String(repeating: "x", count: 64 * 1024))) },
            throws: { error in
                guard case AuditStoreError.diskFull(let path, _) = error else { return false }
                return path == file
            })
        let reader = try AuditStore.openForReading(stateDirectory: state)
        guard case .intact(1, _) = try await reader.verify() else {
            Issue.record("the trail lost or gained a row")
            return
        }
    }

    @Test("a file that is not a database is .unreadable, naming it, for reading and writing opens")
    func notADatabaseIsUnreadable() async throws {
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: file))
        func isUnreadable(_ error: any Error) -> Bool {
            guard case AuditStoreError.unreadable(let path, let reason) = error else { return false }
            return path == file && reason.contains("not an intact SQLite database")
        }
        #expect(performing: { try AuditStore.open(stateDirectory: state, wallClock: { t0 }) }, throws: isUnreadable)
        await #expect(
            performing: { _ = try await AuditStore.openForReading(stateDirectory: state).verify() },
            throws: isUnreadable)
    }
}
