import Foundation
import SyncwindowAudit
import SyncwindowTestSupport
import Testing

/// Runs the `sqlite3` CLI on the audit file, as an auditor (or an attacker) would.
@discardableResult
func sqlite(_ path: String, _ sql: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)

private func sampleEvents(_ count: Int) -> [NewAuditEvent] {
    (0..<count).map(sampleEvent)
}

private func sampleEvent(_ index: Int) -> NewAuditEvent {
    let isIntent = index % 2 == 0
    let side: PairSide = index % 3 == 0 ? .primary : .standby
    let at = t0.addingTimeInterval(Double(index))
    return NewAuditEvent(
        at: at, pair: isIntent ? "orders" : "sessions", side: side, kind: isIntent ? .pauseIntent : .pauseOutcome,
        outcome: isIntent ? nil : "accepted", jobID: isIntent ? nil : "job-\(index)", actor: "syncwindow",
        reason: "window nightly", detail: "row \(index), with a comma and \"quotes\"")
}

@Suite("Audit store")
final class AuditStoreTests {
    let directory: TemporaryDirectory
    let store: AuditStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try AuditStore.open(stateDirectory: directory.url("state").path, wallClock: { t0 })
    }

    // Swift Testing makes one instance per test: each removes its own directory.
    deinit { directory.remove() }

    @Test("appended events come back in order with a linked hash chain")
    func appendAndRead() async throws {
        let stored = try await store.append(sampleEvents(5))
        #expect(stored.map(\.id) == [1, 2, 3, 4, 5])
        #expect(stored[0].previousHash == String(repeating: "0", count: 64))
        for index in 1..<stored.count { #expect(stored[index].previousHash == stored[index - 1].hash) }
        let read = try await store.events()
        #expect(read == stored)
        #expect(try await store.events(AuditQuery(pair: "sessions")).map(\.id) == [2, 4])
        #expect(try await store.events(AuditQuery(since: t0.addingTimeInterval(3))).map(\.id) == [4, 5])
        #expect(try await store.events(AuditQuery(until: t0.addingTimeInterval(1))).map(\.id) == [1])
        guard case .intact(let count, let head) = try await store.verify() else {
            Issue.record("chain should verify")
            return
        }
        #expect(count == 5)
        #expect(head == stored.last?.hash)
    }

    @Test("the database itself refuses UPDATE and DELETE")
    func appendOnlyIsEnforcedBySQLite() async throws {
        try await store.append(sampleEvents(3))
        let update = try sqlite(store.path, "UPDATE event SET actor = 'mallory' WHERE id = 2;")
        #expect(update.status != 0)
        #expect(update.output.contains("append-only"))
        let delete = try sqlite(store.path, "DELETE FROM event WHERE id = 3;")
        #expect(delete.status != 0)
        #expect(
            try sqlite(store.path, "SELECT count(*) FROM event;").output.trimmingCharacters(in: .whitespacesAndNewlines)
                == "3")
    }

    @Test("verify names the first edited row", arguments: [2, 5, 7])
    func editedRowIsDetected(row: Int) async throws {
        try await store.append(sampleEvents(8))
        try sqlite(
            store.path,
            "DROP TRIGGER event_is_append_only_update; UPDATE event SET reason = 'nothing to see' WHERE id = \(row);")
        #expect(
            try await store.verify()
                == .broken(rowID: Int64(row), problem: "its content does not match its hash (the row was edited)"))
    }

    @Test("verify detects a removed row and swapped rows")
    func removedAndReorderedRowsAreDetected() async throws {
        try await store.append(sampleEvents(6))
        try sqlite(store.path, "DROP TRIGGER event_is_append_only_delete; DELETE FROM event WHERE id = 3;")
        guard case .broken(let id, let problem) = try await store.verify() else {
            Issue.record("a removed row must break the chain")
            return
        }
        #expect(id == 4)
        #expect(problem.contains("row 3 is missing"))

        let other = try AuditStore.open(stateDirectory: directory.url("other").path, wallClock: { t0 })
        try await other.append(sampleEvents(4))
        // Swap the content of rows 2 and 3, keeping ids: the links no longer line up.
        try sqlite(
            other.path,
            """
            DROP TRIGGER event_is_append_only_update;
            UPDATE event SET id = 100 WHERE id = 2; UPDATE event SET id = 2 WHERE id = 3; UPDATE event SET id = 3 WHERE id = 100;
            """)
        guard case .broken(let swapped, _) = try await other.verify() else {
            Issue.record("reordered rows must break the chain")
            return
        }
        #expect(swapped == 2)
    }

    @Test("two stores on one file (two processes) append concurrently without breaking the chain")
    func concurrentWritersKeepTheChainLinear() async throws {
        let second = try AuditStore.open(stateDirectory: directory.url("state").path, wallClock: { t0 })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                let target = writer % 2 == 0 ? store : second
                group.addTask { for _ in 0..<10 { try await target.append(sampleEvents(2)) } }
            }
            try await group.waitForAll()
        }
        guard case .intact(let count, _) = try await store.verify() else {
            Issue.record("chain must stay intact")
            return
        }
        #expect(count == 160)
    }

    @Test("opening a new store from many tasks at once migrates once")
    func concurrentFirstOpen() async throws {
        let state = directory.url("fresh").path
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    let opened = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
                    try await opened.append(sampleEvents(1))
                }
            }
            try await group.waitForAll()
        }
        let store = try AuditStore.open(stateDirectory: state, wallClock: { t0 })
        #expect(try await store.events().count == 6)
    }

    @Test("an intent stays unsettled until an outcome names it")
    func unsettledIntents() async throws {
        let intent = try await store.append(
            NewAuditEvent(at: t0, pair: "orders", side: .primary, kind: .pauseIntent, actor: "syncwindow"))
        #expect(try await store.unsettledIntents(pair: "orders").map(\.id) == [intent.id])
        try await store.append(
            NewAuditEvent(
                at: t0, pair: "orders", side: .primary, kind: .pauseOutcome, outcome: "accepted", jobID: "j1",
                actor: "syncwindow", intentID: intent.id))
        #expect(try await store.unsettledIntents(pair: "orders").isEmpty)
        let latest = try await store.latest(
            pair: "orders", kinds: [.pauseOutcome], side: .primary, outcomes: ["accepted"])
        #expect(latest?.event.jobID == "j1")
        #expect(try await store.latest(pair: "orders", kinds: [.pauseOutcome], side: .standby) == nil)
    }

    @Test("observations are replaced, not accumulated")
    func observations() async throws {
        try await store.recordObservation(
            pair: "orders", LiveObservation(primary: "SYNCING", standby: "SYNCING", observedAt: t0))
        try await store.recordObservation(
            pair: "orders", LiveObservation(primary: "SUSPENDED", standby: nil, observedAt: t0))
        #expect(
            try await store.observations()["orders"]
                == LiveObservation(primary: "SUSPENDED", standby: nil, observedAt: t0))
    }

    @Test("the file is in WAL mode, readable with the sqlite3 CLI")
    func walMode() async throws {
        try await store.append(sampleEvents(1))
        #expect(try sqlite(store.path, "PRAGMA journal_mode;").output.contains("wal"))
        #expect(try sqlite(store.path, "SELECT kind FROM event;").output.contains("pause_intent"))
    }
}
