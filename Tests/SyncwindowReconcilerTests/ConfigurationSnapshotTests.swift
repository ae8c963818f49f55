import Foundation
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule
import SyncwindowTestSupport
import Testing

/// The `configuration` event's snapshot: what the report rebuilds the plan from.
@Suite("configuration snapshot")
struct ConfigurationSnapshotTests {
    /// Every field a window can have, in awkward values: a macro, a zone with DST, names and
    /// `*`, cutoff, an active range, exception dates and a disabled window.
    static let windows = [
        "a-nightly.yaml": """
        windows:
          - name: nightly
            cron: "30 1 * * 1-5"
            timezone: Europe/Berlin
            duration: 1h30m
            cutoff: 15m
            pairs: [orders, sessions]
            active_from: 2026-12-01
            active_until: 2027-06-30
            except: [2026-12-31, 2026-12-24]
        """,
        "b-weekly.yaml": """
        windows:
          - name: weekly
            cron: "@weekly"
            duration: 24h
            pairs: ["*"]
          - name: retired
            cron: "0 12 L * *"
            timezone: Australia/Lord_Howe
            duration: 1m
            pairs: [sessions]
            enabled: false
        """,
    ]

    @Test("a snapshot written as JSON reads back to exactly the configured windows, pairs and hash")
    func roundTrip() throws {
        // Given a configuration loaded by the real loader
        let fixture = try ConfigFixture(windows: Self.windows)
        defer { fixture.directory.remove() }
        let config = try ConfigLoader.load(path: fixture.configPath)
        #expect(config.windows.count == 3)
        // When it is snapshotted, written and read back
        let text = ConfigurationSnapshot(config).json()
        let read = try ConfigurationSnapshot.parse(text)
        // Then every window is rebuilt equal, in order, and the schedule plans the same occurrences
        #expect(try read.rebuiltWindows() == config.windows)
        #expect(read.pairs == ["orders", "sessions"])
        #expect(read.configSHA256 == config.contentHash)
        #expect(read == ConfigurationSnapshot(config))
        let from = RFC3339.parse("2026-12-01T00:00:00Z")!, to = RFC3339.parse("2027-02-01T00:00:00Z")!
        for pair in ["orders", "sessions"] {
            #expect(
                try read.schedule().occurrences(forPair: pair, startingFrom: from, before: to)
                    == Schedule(windows: config.windows).occurrences(forPair: pair, startingFrom: from, before: to))
        }
        // And the text is canonical: sorted keys, the same text for the same configuration
        #expect(read.json() == text)
        #expect(text.hasPrefix("{\"config_sha256\":\"\(config.contentHash)\",\"pairs\":[\"orders\",\"sessions\"],"))
        #expect(text.contains("\"except\":[\"2026-12-24\",\"2026-12-31\"]"), "\(text)")
        #expect(text.contains("\"duration_seconds\":5400"), "\(text)")
    }

    @Test("a snapshot of a newer format, or text that is not one, is refused with a reason")
    func refusesWhatItCannotRead() {
        #expect(throws: ConfigurationSnapshotError.self) {
            try ConfigurationSnapshot.parse("{\"version\":2,\"config_sha256\":\"x\",\"pairs\":[],\"windows\":[]}")
        }
        #expect(throws: ConfigurationSnapshotError.self) { try ConfigurationSnapshot.parse("config sha256=abc") }
        let unknownZone = ConfigurationSnapshot.WindowRecord(
            Window(
                name: "w", cron: try! CronExpression.parse("0 1 * * *"), timeZone: .gmt, duration: 3600,
                pairs: .all))
        var broken = unknownZone
        broken.timezone = "Mars/Olympus_Mons"
        #expect(throws: ConfigurationSnapshotError.self) { try broken.window() }
    }
}
