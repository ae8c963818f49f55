import Foundation
import SyncwindowTestSupport
import Testing

/// Smaller operator-facing behaviours: clearing an override that already ran out, plain error
/// messages, the default actor, and a window renamed while open.
@Suite("small operator defects end to end", .serialized)
struct SmallDefectsEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup

    @Test("clearing an expired override succeeds, is recorded, and hands the pair back at once")
    func clearExpiredOverride() throws {
        // Given orders held paused for 10 minutes from 00:00
        let setup = try Setup()
        defer { setup.finish() }
        let hold = try setup.syncwindow([
            "override", "pause", "orders", "--for", "10m", "--reason", "drill", "--at", "2026-12-01T00:00:00Z",
        ])
        #expect(hold.status == 0, "\(hold.stderr)")
        #expect(try setup.liveStatuses(Setup.ordersInstances) == ["SUSPENDED", "SUSPENDED"])

        // When the operator clears it at 00:30, after it expired and before any pass
        let clear = try setup.syncwindow([
            "override", "clear", "orders", "--reason", "drill over", "--at", "2026-12-01T00:30:00Z",
        ])

        // Then it succeeds, is in the audit with its reason, and the pass it ran resumed orders
        #expect(clear.status == 0, "\(clear.stdout) \(clear.stderr)")
        let cleared = try setup.auditEvents(pair: "orders").filter { text($0, "kind") == "override_cleared" }
        #expect(cleared.contains { text($0, "reason") == "drill over" }, "\(cleared)")
        #expect(try setup.liveStatuses(Setup.ordersInstances) == ["SYNCING", "SYNCING"])
    }

    @Test("clearing when there is no override at all succeeds and is recorded")
    func clearWithoutOverride() throws {
        // Given sessions never had an override
        let setup = try Setup()
        defer { setup.finish() }

        // When the operator clears it anyway
        let clear = try setup.syncwindow([
            "override", "clear", "sessions", "--reason", "belt and braces", "--at", "2026-12-01T00:30:00Z",
        ])

        // Then it succeeds, is recorded, and sessions is left syncing
        #expect(clear.status == 0, "\(clear.stdout) \(clear.stderr)")
        let cleared = try setup.auditEvents(pair: "sessions").filter { text($0, "kind") == "override_cleared" }
        #expect(cleared.contains { text($0, "reason") == "belt and braces" }, "\(cleared)")
        #expect(try setup.liveStatuses(Setup.sessionsInstances) == ["SYNCING", "SYNCING"])
    }

    @Test("an unreachable cloud is one plain sentence on stderr, without errno or '(error set)'")
    func unreachableCloudMessageIsPlain() throws {
        // Given the cloud endpoint is down
        let setup = try Setup()
        defer { setup.finish() }
        #expect(setup.emulator.stop() == 0)

        // When a pass runs
        let tick = try setup.tick()

        // Then stderr says it could not reach the endpoint, in words
        #expect(tick.status != 0)
        #expect(tick.stderr.contains("could not reach"), "\(tick.stderr)")
        #expect(!tick.stderr.contains("errno"), "\(tick.stderr)")
        #expect(!tick.stderr.contains("(error set)"), "\(tick.stderr)")
        #expect(!tick.stderr.contains("Error Domain="), "\(tick.stderr)")
    }

    @Test("a malformed --for is one line on stderr, with its hint once, and exit 2")
    func malformedDurationIsOneLine() throws {
        // Given a config and a mistyped duration
        let setup = try Setup()
        defer { setup.finish() }

        // When the operator asks for it
        let result = try setup.syncwindow(["override", "pause", "orders", "--for", "5x", "--reason", "r"])

        // Then it is refused in one line that shows how to write it once, and nothing is called
        #expect(result.status == 2, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "(write it like").count - 1 == 1, "\(result.stderr)")
        // Not a second hint in other words either: the example durations appear once
        #expect(result.stderr.components(separatedBy: "90m").count - 1 == 1, "\(result.stderr)")
        #expect(try setup.emulator.posts(to: "orders", after: 0).isEmpty)
    }

    @Test("with neither USER nor SUDO_USER set, the actor is the login name of the current uid")
    func actorFromUID() throws {
        // Given an environment without USER and SUDO_USER
        let setup = try Setup()
        defer { setup.finish() }
        let expected = String(cString: try #require(getpwuid(getuid())).pointee.pw_name)

        // When an override is set without --actor
        let result = try BinaryRunner.run(
            "syncwindow", ["override", "pause", "orders", "--for", "1h", "--reason", "r", "--config", setup.config],
            removingEnvironment: ["USER", "SUDO_USER"])
        #expect(result.status == 0, "\(result.stderr)")

        // Then the audit records the uid's login name, not "unknown"
        let set = try #require(try setup.auditEvents(pair: "orders").first { text($0, "kind") == "override_set" })
        #expect(text(set, "actor") == expected, "\(set)")
        #expect(text(set, "actor") != "unknown")
    }

    @Test("renaming an open window closes the old name and opens the new one, with no call")
    func renamedWindowMidWindow() throws {
        // Given both pairs paused at nightly's open
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick(at: "2026-12-01T01:31:00Z").status == 0)

        // When nightly is renamed nightly-2 (same schedule) and a pass runs
        try setup.fixture.directory.write(
            "windows/nightly.yaml",
            """
            windows:
              - name: nightly-2
                cron: "30 1 * * *"
                timezone: UTC
                duration: 2h
                pairs: ["*"]
            """)
        let marker = try setup.emulator.requestCount()
        let eventMarker = try setup.lastEventID()
        let tick = try setup.tick(at: "2026-12-01T01:35:00Z")

        // Then the audit closes nightly and opens nightly-2 for orders, and the pair stays paused untouched
        #expect(tick.status == 0, "\(tick.stdout) \(tick.stderr)")
        let events = try setup.auditEvents(pair: "orders").filter { eventID($0) > eventMarker }
        #expect(
            events.contains { text($0, "kind") == "window_closed" && text($0, "window") == "nightly" }, "\(events)")
        #expect(
            events.contains { text($0, "kind") == "window_opened" && text($0, "window") == "nightly-2" }, "\(events)")
        #expect(try setup.emulator.posts(to: "orders", after: marker).isEmpty)
        #expect(try setup.liveStatuses(Setup.ordersInstances) == ["SUSPENDED", "SUSPENDED"])
    }
}
