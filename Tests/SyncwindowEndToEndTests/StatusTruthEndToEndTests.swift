import Foundation
import SyncwindowTestSupport
import Testing

/// `status` tells the truth: whether each pair is at its desired state now (`converged`) and the
/// last error that kept it from getting there (`last_error`), in JSON and in the table's NOTE.
@Suite("status tells the truth end to end", .serialized)
struct StatusTruthEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup
    static let open = "2026-12-01T01:31:00Z"
    static let soonAfter = "2026-12-01T01:32:00Z"

    @Test("a failed pause job shows as not converged with its error, until a later pass succeeds")
    func failedJobShowsInStatus() throws {
        // Given a cloud whose next jobs fail
        let setup = try Setup()
        defer { setup.finish() }
        try setup.emulator.setFaults(failNextJobs: 8)

        // When the window opens and the pass cannot pause
        let tick = try setup.tick(at: Self.open)
        #expect(tick.status == 1, "\(tick.stdout) \(tick.stderr)")

        // Then status says orders is not converged, and why
        let orders = try #require(try setup.statusEntry("orders", at: Self.soonAfter))
        #expect(orders["converged"] as? Bool == false, "\(orders)")
        let error = try #require(orders["last_error"] as? [String: Any], "\(orders)")
        let message = try #require(error["message"] as? String)
        #expect(message.lowercased().contains("failed"), "\(message)")
        #expect(text(error, "at").hasPrefix("2026-12-01T01:31"), "\(error)")
        let table = try setup.syncwindow(["status", "--at", Self.soonAfter])
        #expect(statusNote(table.stdout, pair: "orders")?.contains(message) == true, "\(table.stdout)")

        // When the cloud works again and a pass reaches the desired state
        try setup.emulator.setFaults()
        let retry = try setup.tick(at: "2026-12-01T01:33:00Z")
        #expect(retry.status == 0, "\(retry.stdout) \(retry.stderr)")

        // Then the error is gone and orders is converged
        let healed = try #require(try setup.statusEntry("orders", at: "2026-12-01T01:34:00Z"))
        #expect(healed["converged"] as? Bool == true, "\(healed)")
        #expect(healed["last_error"] is NSNull, "\(healed)")
    }

    @Test("a cloud that cannot be reached shows as not converged, with the reason")
    func unreachableCloudShowsInStatus() throws {
        // Given the cloud endpoint is down
        let setup = try Setup()
        defer { setup.finish() }
        #expect(setup.emulator.stop() == 0)

        // When a pass runs at the window's open
        let tick = try setup.tick(at: Self.open)
        #expect(tick.status != 0, "\(tick.stdout) \(tick.stderr)")

        // Then status says orders is not converged because the endpoint could not be reached
        let orders = try #require(try setup.statusEntry("orders", at: Self.soonAfter))
        #expect(orders["converged"] as? Bool == false, "\(orders)")
        let error = try #require(orders["last_error"] as? [String: Any], "\(orders)")
        #expect(text(error, "message").lowercased().contains("reach"), "\(error)")
        let table = try setup.syncwindow(["status", "--at", Self.soonAfter])
        #expect(statusNote(table.stdout, pair: "orders")?.lowercased().contains("reach") == true, "\(table.stdout)")
    }

    @Test("an override that expired since the last pass shows the pair as not at its desired state")
    func expiredOverrideIsNotConverged() throws {
        // Given orders held paused for 10 minutes, applied at once
        let setup = try Setup()
        defer { setup.finish() }
        let hold = try setup.syncwindow([
            "override", "pause", "orders", "--for", "10m", "--reason", "drill", "--at", "2026-12-01T00:00:00Z",
        ])
        #expect(hold.status == 0, "\(hold.stderr)")

        // When status is read after the hold expired, with no pass in between
        let at = "2026-12-01T00:20:00Z"
        let orders = try #require(try setup.statusEntry("orders", at: at))

        // Then orders should sync, was last seen paused, and is reported as not converged
        #expect(orders["desired"] as? String == "syncing", "\(orders)")
        #expect((orders["live"] as? [String: Any])?["primary"] as? String == "SUSPENDED", "\(orders)")
        #expect(orders["converged"] as? Bool == false, "\(orders)")
        let table = try setup.syncwindow(["status", "--at", at])
        let note = try #require(statusNote(table.stdout, pair: "orders"), "\(table.stdout)")
        #expect(!note.isEmpty, "\(table.stdout)")
        #expect(
            ["desired", "next pass", "converge"].contains { note.lowercased().contains($0) }, "note: \(note)")
    }

    @Test("after a successful pass every pair is converged with no error")
    func successfulPassIsConverged() throws {
        // Given a pass that paused both pairs at the window's open
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick(at: Self.open).status == 0)

        // Then status shows both converged, with no error and an empty NOTE
        let pairs = try setup.statusPairs(at: Self.soonAfter)
        #expect(pairs.count == 2)
        for pair in pairs {
            #expect(pair["converged"] as? Bool == true, "\(pair)")
            #expect(pair.keys.contains("last_error") && pair["last_error"] is NSNull, "\(pair)")
        }
        let table = try setup.syncwindow(["status", "--at", Self.soonAfter])
        #expect(statusNote(table.stdout, pair: "orders") == "", "\(table.stdout)")
    }
}
