import Foundation
import SyncwindowTestSupport
import Testing

/// The audit trail locked by another process (an operator's `sqlite3`, a backup) while
/// `syncwindow tick` runs against the `geminidb-emulator` binary.
@Suite("busy audit trail end to end", .serialized, .sqliteTrailOnly)
struct AuditBusyEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup

    func databasePath(_ setup: Setup) -> String { setup.fixture.stateDirectory + "/audit.sqlite" }

    func startTick(_ setup: Setup, environment: [String: String] = [:]) throws -> BackgroundRun {
        try BackgroundRun(
            [
                "tick", "--config", setup.config, "--at", TickEndToEndTests.inWindow, "--pair", "orders",
                "--poll-interval", "0.05",
            ], environment: environment)
    }

    func count(_ setup: Setup, _ condition: String) throws -> Int {
        // sqlite3 would create the file if the directory existed: never race the tick to it.
        guard FileManager.default.fileExists(atPath: databasePath(setup)) else { return 0 }
        return Int(try setup.sqlite("SELECT count(*) FROM event WHERE \(condition);")) ?? -1
    }

    @Test("a lock held across a call's outcome is waited out: the accepted call is recorded as accepted")
    func lockAcrossOutcomeIsWaitedOut() throws {
        // Given a tick whose pause POST takes 2 s to answer
        let setup = try Setup(emulatorFlags: ["--latency", "2s"])
        defer { setup.finish() }
        let tick = try startTick(setup)
        // When another process takes the write lock while the POST is in flight
        #expect(try waitUntil { try count(setup, "kind = 'pause_intent'") >= 1 })
        let lock = try WriteLockHolder(databasePath: databasePath(setup))
        #expect(try count(setup, "kind = 'pause_outcome'") == 0, "the lock came too late to cover the outcome")
        // ... and holds it until the cloud has answered, so the outcome must wait for the lock
        // (how long a lock may be held, 60 s by default, is AuditBusyTimeoutTests')
        #expect(try waitUntil { try !setup.acceptedPosts().isEmpty && setup.emulator.requestsInFlight() == 0 })
        #expect(try count(setup, "kind = 'pause_outcome'") == 0, "an outcome was written under another's lock")
        lock.release()
        let result = tick.finish()
        // Then the pass waited, and the trail says what the cloud did
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(try count(setup, "kind = 'pause_outcome' AND outcome = 'accepted' AND job_id <> ''") == 2)
        #expect(try count(setup, "outcome = 'error' OR kind = 'error'") == 0)
        #expect(try count(setup, "kind = 'job_completed'") == 2)
        let settled = try setup.sqlite(
            "SELECT count(*) FROM event i WHERE i.kind = 'pause_intent' AND NOT EXISTS (SELECT 1 FROM event o WHERE o.intent_id = i.id);"
        )
        #expect(settled == "0")
    }

    @Test("an accepted call whose outcome cannot be written stays unsettled; the next pass settles it, no repeat")
    func unwritableOutcomeIsSettledNextPass() throws {
        // Given a tick with a 1 s busy timeout whose pause POST takes 2 s to answer
        let setup = try Setup(emulatorFlags: ["--latency", "2s"])
        defer { setup.finish() }
        let tick = try startTick(setup, environment: ["SYNCWINDOW_DB_BUSY_TIMEOUT": "1"])
        // When the lock is taken while the POST is in flight and held until the tick gives up
        #expect(try waitUntil { try count(setup, "kind = 'pause_intent'") >= 1 })
        let lock = try WriteLockHolder(databasePath: databasePath(setup))
        let result = tick.finish()
        lock.release()
        // Then the tick says "busy", and the accepted call is not recorded as an error
        #expect(result.status == 75, "\(result.stdout) \(result.stderr)")
        #expect(try count(setup, "outcome = 'error' OR kind = 'error'") == 0)
        #expect(try count(setup, "kind = 'pause_outcome'") == 0)
        #expect(try setup.acceptedPosts().count == 1)
        // When the next pass runs
        let next = try setup.tick(["--pair", "orders"])
        // Then it settles that intent from live status as landed, and does not call it again
        #expect(next.status == 0, "\(next.stdout) \(next.stderr)")
        let first = try setup.sqlite(
            "SELECT o.outcome FROM event o WHERE o.intent_id = (SELECT min(id) FROM event WHERE kind = 'pause_intent');"
        )
        #expect(first == "landed")
        let posts = try setup.acceptedPosts()
        #expect(posts.count == 2 && posts.values.allSatisfy { $0 == 1 }, "\(posts)")
    }

    @Test("a lock held past the busy timeout before the pass: exit 75, one line, nothing called")
    func lockBeforePassExits75() throws {
        // Given a trail that exists, locked by another process
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick(at: TickEndToEndTests.afterWindow).status == 0)
        let before = try count(setup, "1")
        let lock = try WriteLockHolder(databasePath: databasePath(setup))
        defer { lock.release() }
        // When a tick that should pause runs with a 1 s busy timeout
        let result = try BinaryRunner.run(
            "syncwindow", ["tick", "--config", setup.config, "--at", TickEndToEndTests.inWindow],
            environment: ["SYNCWINDOW_DB_BUSY_TIMEOUT": "1"])
        lock.release()
        // Then it gives up with "busy, try again", naming the file, having called nothing
        #expect(result.status == 75, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(
            result.stderr.hasPrefix("syncwindow: the audit trail \(databasePath(setup)) is busy"), "\(result.stderr)")
        #expect(try setup.acceptedPosts().isEmpty)
        #expect(try count(setup, "1") == before)
    }

    @Test("a lock that outlasts the busy timeout while an intent is written: exit 75, no intent, no POST")
    func lockAtIntentExits75() throws {
        // Given a tick whose live-status reads take 1.5 s
        let setup = try Setup(emulatorFlags: ["--latency", "1500ms"])
        defer { setup.finish() }
        let tick = try startTick(setup, environment: ["SYNCWINDOW_DB_BUSY_TIMEOUT": "1"])
        // When the lock is taken after the pass has opened the trail, before its intent
        #expect(try waitUntil { try count(setup, "kind = 'window_opened'") >= 1 })
        let lock = try WriteLockHolder(databasePath: databasePath(setup))
        let result = tick.finish()
        lock.release()
        // Then the intent was never written, so the call was never made
        #expect(result.status == 75, "\(result.stdout) \(result.stderr)")
        #expect(
            result.stderr.hasPrefix("syncwindow: the audit trail \(databasePath(setup)) is busy"), "\(result.stderr)")
        #expect(!result.stderr.contains("SQLite error"), "\(result.stderr)")
        #expect(try count(setup, "kind = 'pause_intent'") == 0)
        #expect(try setup.acceptedPosts().isEmpty)
    }
}
