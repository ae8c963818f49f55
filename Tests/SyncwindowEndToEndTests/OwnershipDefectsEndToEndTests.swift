import Foundation
import SyncwindowTestSupport
import Testing

/// Ownership is per side: syncwindow resumes only the sides it paused itself, never a side
/// someone else paused, and never re-pauses a side an operator resumed by hand mid-window.
@Suite("per-side ownership end to end", .serialized)
struct OwnershipDefectsEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup
    static let before = "2026-12-01T00:00:00Z"
    static let open = "2026-12-01T01:31:00Z"
    static let afterClose = "2026-12-01T03:31:00Z"
    static let primary = "orders-primary-in12"
    static let standby = "orders-standby-in12"

    @Test("a primary paused by someone else before the window is left paused when the window closes")
    func foreignPauseOnOneSideIsNeverResumed() throws {
        // Given someone else suspended orders' primary outside any window
        let setup = try Setup()
        defer { setup.finish() }
        try setup.emulator.force(Self.primary, to: "SUSPENDED")

        // When a pass runs before the window: it reports drift
        let early = try setup.tick(at: Self.before)
        #expect(early.status == 1, "\(early.stdout) \(early.stderr)")
        #expect(try setup.auditEvents(pair: "orders").contains { text($0, "kind") == "drift" })

        // When the window opens: syncwindow pauses only the standby
        let openMarker = try setup.emulator.requestCount()
        _ = try setup.tick(at: Self.open)
        let opened = try setup.emulator.requests().dropFirst(openMarker)
            .filter { $0.method == "POST" && $0.status == 202 && $0.path.contains("orders") }
        #expect(opened.count == 1, "\(opened.map(\.path))")
        #expect(opened.allSatisfy { $0.path.contains(Self.standby) }, "\(opened.map(\.path))")
        #expect(try setup.liveStatuses([Self.primary, Self.standby]) == ["SUSPENDED", "SUSPENDED"])

        // When the window has closed
        let closeMarker = try setup.emulator.requestCount()
        let eventMarker = try setup.lastEventID()
        let closed = try setup.tick(at: Self.afterClose)

        // Then nothing is resumed on orders: the primary is not syncwindow's, and resuming one side
        // alone is impossible; the pass reports drift naming the primary and exits 1
        #expect(closed.status == 1, "\(closed.stdout) \(closed.stderr)")
        #expect(try setup.emulator.posts(to: Self.primary, after: closeMarker).isEmpty)
        #expect(try setup.emulator.posts(to: Self.standby, after: closeMarker).isEmpty)
        #expect(try setup.liveStatuses([Self.primary, Self.standby]) == ["SUSPENDED", "SUSPENDED"])
        let drift = try setup.auditEvents(pair: "orders")
            .filter { eventID($0) > eventMarker && text($0, "kind") == "drift" }
        #expect(!drift.isEmpty, "no drift recorded after the close")
        #expect(
            drift.contains {
                text($0, "side") == "primary"
                    || (text($0, "reason") + " " + text($0, "detail")).contains("primary")
            }, "\(drift)")

        // And sessions, wholly syncwindow's, is resumed as usual
        #expect(try setup.liveStatuses(Setup.sessionsInstances) == ["SYNCING", "SYNCING"])
    }

    @Test("a side resumed by hand mid-window is released, not re-paused, and both sides sync after the close")
    func handResumedSideIsReleased() throws {
        // Given both pairs paused at the window's open
        let setup = try Setup()
        defer { setup.finish() }
        let opened = try setup.tick(at: Self.open)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try setup.liveStatuses([Self.primary, Self.standby]) == ["SUSPENDED", "SUSPENDED"])

        // When someone resumes orders' primary by hand and a pass runs
        try setup.emulator.force(Self.primary, to: "SYNCING")
        let marker = try setup.emulator.requestCount()
        let eventMarker = try setup.lastEventID()
        let released = try setup.tick(at: "2026-12-01T01:40:00Z")

        // Then it records the release of the primary and does not pause it again
        #expect(released.status == 1, "\(released.stdout) \(released.stderr)")
        let drift = try setup.auditEvents(pair: "orders")
            .filter { eventID($0) > eventMarker && text($0, "kind") == "drift" }
        #expect(
            drift.contains { text($0, "outcome") == "released" && text($0, "side") == "primary" }, "\(drift)")
        #expect(try setup.emulator.posts(to: Self.primary, after: marker).isEmpty)
        #expect(try setup.emulator.status(of: Self.primary) == "SYNCING")

        // When the next pass runs inside the window
        let quietMarker = try setup.emulator.requestCount()
        let quiet = try setup.tick(at: "2026-12-01T01:45:00Z")

        // Then it settles: exit 0, no call on orders, the primary left syncing
        #expect(quiet.status == 0, "\(quiet.stdout) \(quiet.stderr)")
        #expect(try setup.emulator.posts(to: "orders", after: quietMarker).isEmpty)
        #expect(try setup.emulator.status(of: Self.primary) == "SYNCING")

        // When the window has closed
        let closed = try setup.tick(at: Self.afterClose)

        // Then orders syncs on both sides again (however the API made syncwindow get there)
        #expect(closed.status == 0, "\(closed.stdout) \(closed.stderr)")
        #expect(try setup.liveStatuses([Self.primary, Self.standby]) == ["SYNCING", "SYNCING"])
        #expect(try setup.liveStatuses(Setup.sessionsInstances) == ["SYNCING", "SYNCING"])
    }
}
