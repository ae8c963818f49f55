import Foundation
import SyncwindowTestSupport
import Testing

/// A pair taken out of the config while syncwindow holds it paused: syncwindow still owns that
/// pause, so it says so, keeps showing the pair, and hands it back (resumes it) at the next pass.
@Suite("removed pair end to end", .serialized)
struct RemovedPairEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup
    static let open = "2026-12-01T01:31:00Z"
    static let later = "2026-12-01T02:00:00Z"

    /// Pauses both pairs at the window's open, then rewrites the config without `orders`.
    func pausedThenRemoved() throws -> Setup {
        let setup = try Setup()
        let paused = try setup.tick(at: Self.open)
        #expect(paused.status == 0, "\(paused.stderr)")
        #expect(
            try setup.liveStatuses(Setup.ordersInstances + Setup.sessionsInstances).allSatisfy { $0 == "SUSPENDED" })
        try setup.fixture.removePair("orders", from: setup.config)
        return setup
    }

    @Test("a pair removed while paused is warned about, still listed, then resumed and forgotten")
    func removedPairIsResumed() throws {
        // Given orders paused by the nightly window, then removed from the config
        let setup = try pausedThenRemoved()
        defer { setup.finish() }

        // Then check passes but warns that syncwindow still holds orders' pause
        let check = try setup.syncwindow(["check"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        let warning = (check.stdout + check.stderr).split(separator: "\n")
            .first { $0.contains("orders") && $0.contains("no longer in the config") }
        #expect(warning != nil, "check output: \(check.stdout) \(check.stderr)")

        // And status still lists orders, marked removed
        let table = try setup.syncwindow(["status", "--at", Self.later])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("orders ") }, "\(table.stdout)")
        let listed = try #require(try setup.statusEntry("orders", at: Self.later), "status JSON lacks orders")
        #expect(listed["removed"] as? Bool == true, "\(listed)")

        // When the next pass runs, still inside the window
        let marker = try setup.lastEventID()
        let metrics = setup.fixture.directory.url("syncwindow.prom").path
        let tick = try setup.tick(["--metrics-file", metrics], at: Self.later)

        // Then it resumes orders, says why in the audit and the metrics, and forgets the pair
        #expect(tick.status == 0, "\(tick.stdout) \(tick.stderr)")
        #expect(try setup.liveStatuses(Setup.ordersInstances) == ["SYNCING", "SYNCING"])
        let events = try setup.auditEvents(pair: "orders").filter { eventID($0) > marker }
        for kind in ["resume_intent", "resume_outcome"] {
            let matching = events.filter { text($0, "kind") == kind }
            #expect(matching.count == 2, "\(kind): \(matching)")
            // Intents say why; outcomes link to their intent.
            if kind == "resume_intent" {
                #expect(
                    matching.allSatisfy { text($0, "reason").contains("no longer in the config") },
                    "\(kind): \(matching)")
            }
        }
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(prom.contains("syncwindow_pair_converged{pair=\"orders\"} 1"), "\(prom)")
        #expect(try !setup.isListed("orders", at: Self.later), "orders still listed after its resume")
        let after = try setup.syncwindow(["status", "--at", Self.later])
        #expect(!after.stdout.split(separator: "\n").contains { $0.hasPrefix("orders ") }, "\(after.stdout)")

        // And sessions, still configured and inside its window, stays paused
        #expect(try setup.liveStatuses(Setup.sessionsInstances) == ["SUSPENDED", "SUSPENDED"])
        #expect(try setup.statusEntry("sessions", at: Self.later)?["desired"] as? String == "paused")
        #expect(
            try setup.emulator.posts(to: "sessions", after: 0).count == 2, "sessions paused once, not touched since")
    }

    @Test("a removed pair whose resume fails stays listed, not converged, and the pass exits 1")
    func removedPairResumeFails() throws {
        // Given orders paused, then removed from the config, and a cloud whose next jobs fail
        let setup = try pausedThenRemoved()
        defer { setup.finish() }
        try setup.emulator.setFaults(failNextJobs: 4)

        // When the next pass tries to hand orders back
        let tick = try setup.tick(at: Self.later)

        // Then it reports the failure, and status keeps showing orders as removed but not converged
        #expect(tick.status == 1, "\(tick.stdout) \(tick.stderr)")
        #expect(try setup.emulator.posts(to: "orders", after: 0).count > 2, "a resume was attempted")
        let listed = try #require(try setup.statusEntry("orders", at: Self.later), "status JSON lacks orders")
        #expect(listed["removed"] as? Bool == true, "\(listed)")
        #expect(listed["converged"] as? Bool == false, "\(listed)")

        // And once the cloud works again, the next pass completes the hand-back
        try setup.emulator.setFaults()
        let retry = try setup.tick(at: "2026-12-01T02:05:00Z")
        #expect(retry.status == 0, "\(retry.stdout) \(retry.stderr)")
        #expect(try setup.liveStatuses(Setup.ordersInstances) == ["SYNCING", "SYNCING"])
        #expect(try !setup.isListed("orders", at: "2026-12-01T02:05:00Z"))
    }
}
