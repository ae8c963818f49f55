import Foundation
import SyncwindowAudit
import SyncwindowTestSupport
import Testing

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)

private func event(_ index: Int) -> NewAuditEvent {
    NewAuditEvent(
        at: t0.addingTimeInterval(Double(index)), pair: "orders", side: .primary, kind: .pauseIntent,
        actor: "syncwindow", reason: "window nightly")
}

/// The store's guarantees at its edges: busy locks, read-only opens, lost triggers.
@Suite("Audit store guarantees")
struct AuditStoreGuaranteesTests {
    let directory: TemporaryDirectory
    var state: String { directory.url("state").path }
    var file: String { state + "/audit.sqlite" }

    init() throws { directory = try TemporaryDirectory() }

    @Test("a write lock held past the busy timeout is AuditStoreError.busy, naming the file")
    func busyIsTyped() async throws {
        let store = try AuditStore.open(stateDirectory: state, wallClock: { t0 }, busyTimeout: .milliseconds(300))
        try await store.append(event(0))
        // sqlite3 holds BEGIN IMMEDIATE until its stdin closes.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = ["-bail", file]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'held';\n".utf8))
        #expect(output.fileHandleForReading.readData(ofLength: 4) == Data("held".utf8))
        await #expect(throws: AuditStoreError.busy(path: file, timeout: .milliseconds(300))) {
            try await store.append(event(1))
        }
        input.fileHandleForWriting.write(Data("COMMIT;\n".utf8))
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        // Once released, the same store appends again, chain unbroken.
        try await store.append(event(1))
        #expect(try await store.verify() == .intact(count: 2, headHash: try await store.events().last!.hash))
    }

    @Test("reading a missing trail throws .missing and creates nothing")
    func readingMissingCreatesNothing() throws {
        #expect(throws: AuditStoreError.missing(path: file)) {
            try AuditStore.openForReading(stateDirectory: state)
        }
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    @Test("a read-only open never migrates: a trail lacking a migration is refused, untouched")
    func readingDoesNotMigrate() async throws {
        let store = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        try await store.append(event(0))
        try sqlite(file, "DROP TABLE observation; DELETE FROM grdb_migrations WHERE identifier = 'v1-observation';")
        #expect(throws: AuditStoreError.needsMigration(path: file, missing: ["v1-observation"])) {
            try AuditStore.openForReading(stateDirectory: state)
        }
        let reader = try AuditStore.openForReading(stateDirectory: state, requireMigrations: false)
        #expect(try await reader.schemaProblems() == ["lacks the migration v1-observation in grdb_migrations"])
        #expect(try sqlite(file, "SELECT count(*) FROM sqlite_master WHERE name = 'observation';").output == "0\n")
    }

    @Test("a trail lacking only the index migrations reads and verifies the same; the next writing open adds them")
    func indexOnlyMigrationIsNotNeededToRead() async throws {
        let store = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        try await store.append([
            NewAuditEvent(
                at: t0, pair: "orders", window: "nightly", kind: .windowOpened, actor: "syncwindow", detail: "d1"),
            NewAuditEvent(at: t0, pair: "orders", window: "weekly", kind: .windowOpened, actor: "syncwindow"),
            NewAuditEvent(at: t0, pair: "orders", window: "nightly", kind: .windowClosed, actor: "syncwindow"),
        ])
        let open = try await store.read { try await $0.openWindowEdges(pair: "orders") }.map(\.id)
        #expect(open == [2])
        try sqlite(
            file,
            """
            DROP INDEX event_window_edges; DROP INDEX event_occurrences;
            DELETE FROM grdb_migrations WHERE identifier IN ('v4-window-edges', 'v5-occurrences');
            """)
        let reader = try AuditStore.openForReading(stateDirectory: state)
        #expect(try await reader.read { try await $0.openWindowEdges(pair: "orders") }.map(\.id) == open)
        #expect(try await reader.hasEvent(pair: "orders", window: "nightly", kind: .windowOpened, detail: "d1"))
        #expect(try await reader.schemaProblems().isEmpty, "a missing index is no breach of the guarantees")
        _ = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        let indexes = "SELECT count(*) FROM sqlite_master WHERE name IN ('event_window_edges', 'event_occurrences');"
        #expect(try sqlite(file, indexes).output == "2\n")
    }

    @Test("whether an occurrence is recorded is one probe of event_occurrences, not a walk of the pair's history")
    func occurrenceIsOneProbe() async throws {
        _ = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        // `AuditReader.hasEvent`'s statement.
        let plan = try sqlite(
            file,
            """
            EXPLAIN QUERY PLAN SELECT EXISTS (SELECT 1 FROM event
              WHERE pair = 'orders' AND window = 'nightly' AND kind = 'window_opened' AND detail = 'd1');
            """
        ).output
        #expect(
            plan.contains("USING COVERING INDEX event_occurrences (pair=? AND window=? AND kind=? AND detail=?)"),
            "\(plan)")
    }

    @Test("a writing open refuses a trail whose append-only trigger was dropped", arguments: ["update", "delete"])
    func writingRefusesUnprotected(operation: String) async throws {
        let store = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        try await store.append(event(0))
        #expect(try await store.schemaProblems().isEmpty)
        try sqlite(file, "DROP TRIGGER event_is_append_only_\(operation);")
        #expect(
            try await store.schemaProblems() == ["has lost its append-only trigger event_is_append_only_\(operation)"])
        #expect(
            throws: AuditStoreError.unprotected(
                path: file, problem: "has lost its append-only trigger event_is_append_only_\(operation)")
        ) {
            try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        }
        #expect(try sqlite(file, "SELECT count(*) FROM event;").output == "1\n")
    }
}
