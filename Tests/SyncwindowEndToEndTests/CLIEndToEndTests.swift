import Foundation
import SyncwindowTestSupport
import Testing

/// The built `syncwindow` binary, run as a user runs it.
@Suite("syncwindow CLI end to end")
struct CLIEndToEndTests {
    func syncwindow(_ arguments: [String], environment: [String: String] = [:]) throws -> BinaryRunner.Result {
        try BinaryRunner.run("syncwindow", arguments, environment: environment)
    }

    @Test("check accepts a valid configuration")
    func checkAcceptsValidConfig() throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let result = try syncwindow(["check", "--config", fixture.configPath])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OK"))
        #expect(result.stdout.contains("pairs:     2 (orders, sessions)"))
        #expect(!result.stdout.contains(ConfigFixture.secretKey))
    }

    @Test("check warns about windows that will not open, and still exits 0")
    func checkWarnsAboutDeadWindows() throws {
        let fixture = try ConfigFixture(windows: [
            "w.yaml": """
            windows:
              - name: expired
                cron: "0 1 * * *"
                duration: 1h
                pairs: [orders]
                active_until: 2020-01-01
              - name: off
                cron: "0 1 * * *"
                duration: 1h
                pairs: [orders]
                enabled: false
            """
        ])
        defer { fixture.directory.remove() }
        let result = try syncwindow(["check", "--config", fixture.configPath])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("warning:   window 'expired' never opens again"))
        #expect(result.stdout.contains("warning:   window 'off' is disabled"))
        #expect(result.stdout.contains("note: no window covers sessions"))
    }

    @Test("SYNCWINDOW_CONFIG names the config when --config does not")
    func configFromEnvironment() throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let result = try syncwindow(["check"], environment: ["SYNCWINDOW_CONFIG": fixture.configPath])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(
        "bad configuration: exit 2 and one line naming file and line, no crash",
        arguments: [
            ("typo", "stat_dir: state\n", "config.yaml:1:1: unknown key 'stat_dir'"),
            ("yaml", "state_dir: [unclosed\n", "config.yaml:2:10: YAML syntax error"),
        ])
    func badConfigExitsTwo(name: String, firstLine: String, expected: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try fixture.directory.write(
            "config.yaml",
            firstLine
                + original.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n"))
        let result = try syncwindow(["plan", "--config", fixture.configPath])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test(
        "bad window files and credentials through the binary: exit 2, one line",
        arguments: [
            (
                "w.yaml", "windows:\n  - name: a\n    cron: \"0 0 30 2 *\"\n    duration: 1h\n    pairs: [orders]\n",
                "w.yaml:3:11"
            ),
            (
                "w.yaml",
                "windows:\n  - name: a\n    cron: \"0 1 * * *\"\n    duration: 1h\n    timezone: Europe/Atlantis\n    pairs: [orders]\n",
                "unknown time zone"
            ),
            (
                "w.yaml", "windows:\n  - name: a\n    cron: \"0 1 * * *\"\n    duration: 25h\n    pairs: [orders]\n",
                "duration must be from 1m to 24h"
            ),
        ])
    func badWindowExitsTwo(file: String, content: String, expected: String) throws {
        let fixture = try ConfigFixture(windows: [file: content])
        defer { fixture.directory.remove() }
        for command in [["check"], ["plan"], ["tick"], ["status"]] {
            let result = try syncwindow(command + ["--config", fixture.configPath])
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(command): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test("an unsafe or missing credential file stops check and tick with exit 2, without calling anything")
    func unsafeCredentials() throws {
        let fixture = try ConfigFixture(endpoint: URL(string: "http://127.0.0.1:9")!)
        defer { fixture.directory.remove() }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o644], ofItemAtPath: fixture.directory.url("secrets/sk").path)
        for command in ["check", "tick"] {
            let result = try syncwindow([command, "--config", fixture.configPath])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("secrets/sk: credential file is readable by group or others"))
            #expect(!result.stderr.contains(ConfigFixture.secretKey))
        }
        try FileManager.default.removeItem(atPath: fixture.directory.url("secrets/ak").path)
        let missing = try syncwindow(["tick", "--config", fixture.configPath])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("secrets/ak: credential file not found"))
        #expect(!FileManager.default.fileExists(atPath: fixture.stateDirectory + "/audit.sqlite"), "nothing was done")
    }

    @Test("a state_dir that cannot be used is found by check, and every command says so in one line", .sqliteTrailOnly)
    func unusableStateDirectory() throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try fixture.directory.write(
            "config.yaml", original.replacingOccurrences(of: "state_dir: state", with: "state_dir: /proc/nope"))
        for command in ["check", "status", "audit", "tick"] {
            let result = try syncwindow([command, "--config", fixture.configPath])
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("state_dir /proc/nope"), "\(command): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(command): \(result.stderr)")
        }
    }

    @Test(
        "usage errors exit 2, not argument-parser's 64",
        arguments: [
            ["plan", "--bogus"], ["override", "pause", "orders", "--for", "1h"],
            ["override", "pause", "orders", "--reason", "x"],
            ["plan", "--count", "0"], ["nonsense"], ["plan", "--to", "2026-12-01T00:00:00Z", "--count", "3"],
            ["plan", "--format", "csv"], ["audit", "--format", "html"], ["plan", "--count", "-1"],
            ["tick", "--lock-timeout", "-1"],
            ["audit", "--since", "2026-12-02T00:00:00Z", "--until", "2026-12-01T00:00:00Z"],
        ])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let result = try syncwindow(arguments + ["--config", fixture.configPath])
        #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test(
        "bad times and durations on the command line exit 2 with a hint",
        arguments: [
            (["plan", "--from", "tomorrow"], "is not an RFC 3339 time"),
            (["plan", "--from", "2026-12-01T01:30:00"], "is not an RFC 3339 time"),
            (["override", "pause", "orders", "--for", "8d", "--reason", "x"], "at most 7 days"),
            (["override", "pause", "orders", "--for", "soon", "--reason", "x"], "--for 'soon'"),
            (["override", "pause", "nosuch", "--for", "1h", "--reason", "x"], "unknown pair 'nosuch'"),
            (["audit", "--pair", "nosuch"], "unknown pair 'nosuch'"),
        ])
    func badValuesExitTwo(arguments: [String], expected: String) throws {
        let fixture = try ConfigFixture(endpoint: URL(string: "http://127.0.0.1:9")!)
        defer { fixture.directory.remove() }
        let result = try syncwindow(arguments + ["--config", fixture.configPath])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("plan --format json has the documented shape, sorted by start then pair")
    func planJSON() throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let result = try syncwindow([
            "plan", "--config", fixture.configPath, "--from", "2026-12-01T00:00:00Z", "--to", "2026-12-03T00:00:00Z",
            "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        struct Plan: Decodable {
            struct Row: Decodable, Equatable { var pair, window, start, end: String }
            var occurrences: [Row]
        }
        let plan = try JSONDecoder().decode(Plan.self, from: Data(result.stdout.utf8))
        #expect(
            plan.occurrences == [
                .init(pair: "orders", window: "nightly", start: "2026-12-01T01:30:00Z", end: "2026-12-01T03:30:00Z"),
                .init(pair: "sessions", window: "nightly", start: "2026-12-01T01:30:00Z", end: "2026-12-01T03:30:00Z"),
                .init(pair: "orders", window: "nightly", start: "2026-12-02T01:30:00Z", end: "2026-12-02T03:30:00Z"),
                .init(pair: "sessions", window: "nightly", start: "2026-12-02T01:30:00Z", end: "2026-12-02T03:30:00Z"),
            ])
    }

    @Test("plan --count gives the next N per pair; --at moves 'now'")
    func planCount() throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let result = try syncwindow([
            "plan", "--config", fixture.configPath, "--at", "2026-12-01T02:00:00Z", "--count", "3", "--pair", "orders",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count == 3)
        #expect(rows.first?.contains("2026-12-02T01:30:00Z") == true)
    }
}
