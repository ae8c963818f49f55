import Foundation
import SyncwindowConfig
import SyncwindowSchedule
import SyncwindowTestSupport
import Testing

/// One malformed input, and what the error must say and where it must point.
struct BadConfigCase: Sendable, CustomTestStringConvertible {
    var name: String
    var mainEdit: @Sendable (String) -> String = { $0 }
    var windows: [String: String]? = nil
    var expect: String
    var file: String
    var line: Int? = nil

    var testDescription: String { name }
}

private func window(_ body: String) -> [String: String] {
    ["w.yaml": "windows:\n  - name: w1\n" + body]
}

private let validWindow = """
        cron: "0 1 * * *"
        duration: 1h
        pairs: [orders]

    """

let badConfigs: [BadConfigCase] = [
    .init(
        name: "typo in a top-level key", mainEdit: { $0.replacingOccurrences(of: "state_dir:", with: "stat_dir:") },
        expect: "unknown key 'stat_dir' in the top level (did you mean 'state_dir'?)", file: "config.yaml", line: 1),
    .init(
        name: "typo in a nested key", mainEdit: { $0.replacingOccurrences(of: "timeout:", with: "timout:") },
        expect: "unknown key 'timout' in 'cloud' (did you mean 'timeout'?)", file: "config.yaml"),
    .init(
        name: "unknown auth method", mainEdit: { $0.replacingOccurrences(of: "method: aksk", with: "method: oauth") },
        expect: "use exactly one of metadata, aksk, password, token", file: "config.yaml"),
    .init(
        name: "aksk without its secret key",
        mainEdit: { $0.replacingOccurrences(of: "secret_key_file: secrets/sk", with: "") },
        expect: "missing required key 'secret_key_file'", file: "config.yaml"),
    .init(
        name: "a key of another auth method",
        mainEdit: {
            $0.replacingOccurrences(
                of: "secret_key_file: secrets/sk", with: "secret_key_file: secrets/sk\n    token_file: t")
        },
        expect: "'token_file' does not belong to auth method 'aksk'", file: "config.yaml"),
    .init(
        name: "endpoint that is not a URL",
        mainEdit: {
            $0.replacingOccurrences(
                of: "concurrency: 8", with: "concurrency: 8\n  endpoints:\n    eu-west-0: not a url")
        },
        expect: "is not a URL", file: "config.yaml"),
    .init(
        name: "concurrency zero", mainEdit: { $0.replacingOccurrences(of: "concurrency: 8", with: "concurrency: 0") },
        expect: "whole number from 1 to 256", file: "config.yaml"),
    .init(
        name: "timeout with a bad unit", mainEdit: { $0.replacingOccurrences(of: "timeout: 5s", with: "timeout: 10x") },
        expect: "'cloud.timeout' is '10x'", file: "config.yaml"),
    .init(
        name: "no pairs", mainEdit: { String($0[..<$0.range(of: "pairs:")!.lowerBound]) + "pairs: {}\n" },
        expect: "'pairs' must name at least one DR pair", file: "config.yaml"),
    .init(
        name: "pair without a standby",
        mainEdit: {
            $0.replacingOccurrences(
                of:
                    "    standby: { region: ap-southeast-3, project_id: p3bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, instance_id: orders-standby-in12 }\n",
                with: "")
        },
        expect: "missing required key 'standby'", file: "config.yaml"),
    .init(
        name: "instance id with a slash",
        mainEdit: { $0.replacingOccurrences(of: "orders-primary-in12", with: "orders/primary") },
        expect: "'pairs.orders.primary.instance_id' must be letters", file: "config.yaml"),
    .init(
        name: "an instance shared by two pairs",
        mainEdit: { $0.replacingOccurrences(of: "sessions-standby-in12", with: "orders-standby-in12") },
        expect: "pair 'sessions' standby is instance orders-standby-in12, already used by pair 'orders' (standby)",
        file: "config.yaml"),
    .init(
        name: "YAML syntax error", mainEdit: { $0.replacingOccurrences(of: "concurrency: 8", with: "concurrency: [8") },
        expect: "YAML syntax error", file: "config.yaml"),
    .init(
        name: "duplicate key",
        mainEdit: { $0.replacingOccurrences(of: "concurrency: 8", with: "concurrency: 8\n  concurrency: 9") },
        expect: "duplicate key 'concurrency'", file: "config.yaml"),
    .init(
        name: "one pair name twice, plain and quoted",
        mainEdit: {
            $0.replacingOccurrences(of: "  orders:", with: "  1:").replacingOccurrences(
                of: "  sessions:", with: "  \"1\":")
        },
        expect: "duplicate key '1'", file: "config.yaml"),
    .init(
        name: "no cloud section", mainEdit: { $0.replacingOccurrences(of: "cloud:", with: "clouds:") },
        expect: "unknown key 'clouds'", file: "config.yaml"),
    .init(
        name: "schedules directory missing",
        mainEdit: { $0.replacingOccurrences(of: "schedules: windows", with: "schedules: nowhere") },
        expect: "schedules directory", file: "config.yaml"),
    .init(
        name: "typo in a window key",
        windows: window("    cron: \"0 1 * * *\"\n    duraton: 1h\n    pairs: [orders]\n"),
        expect: "unknown key 'duraton' in 'windows[0]' (did you mean 'duration'?)", file: "w.yaml", line: 4),
    .init(
        name: "minute out of range",
        windows: window("    cron: \"61 1 * * *\"\n    duration: 1h\n    pairs: [orders]\n"),
        expect: "minute", file: "w.yaml", line: 3),
    .init(
        name: "zero step", windows: window("    cron: \"*/0 * * * *\"\n    duration: 1h\n    pairs: [orders]\n"),
        expect: "cron \"*/0 * * * *\"", file: "w.yaml", line: 3),
    .init(
        name: "reversed range", windows: window("    cron: \"0 5-2 * * *\"\n    duration: 1h\n    pairs: [orders]\n"),
        expect: "hour", file: "w.yaml", line: 3),
    .init(
        name: "unknown month name",
        windows: window("    cron: \"0 1 * FOO *\"\n    duration: 1h\n    pairs: [orders]\n"),
        expect: "month", file: "w.yaml", line: 3),
    .init(
        name: "a date that never occurs (Feb 30)",
        windows: window("    cron: \"0 0 30 2 *\"\n    duration: 1h\n    pairs: [orders]\n"),
        expect: "cron \"0 0 30 2 *\"", file: "w.yaml", line: 3),
    .init(
        name: "too many cron fields",
        windows: window("    cron: \"0 1 * * * *\"\n    duration: 1h\n    pairs: [orders]\n"),
        expect: "cron \"0 1 * * * *\"", file: "w.yaml", line: 3),
    .init(
        name: "unknown time zone", windows: window(validWindow + "    timezone: Mars/Olympus_Mons\n"),
        expect: "unknown time zone 'Mars/Olympus_Mons'", file: "w.yaml", line: 6),
    .init(
        name: "zero duration", windows: window("    cron: \"0 1 * * *\"\n    duration: 0m\n    pairs: [orders]\n"),
        expect: "duration", file: "w.yaml", line: 4),
    .init(
        name: "duration over a day",
        windows: window("    cron: \"0 1 * * *\"\n    duration: 25h\n    pairs: [orders]\n"),
        expect: "duration must be from 1m to 24h", file: "w.yaml", line: 4),
    .init(
        name: "duration that is not one",
        windows: window("    cron: \"0 1 * * *\"\n    duration: soon\n    pairs: [orders]\n"),
        expect: "'windows[0].duration' is 'soon'", file: "w.yaml", line: 4),
    .init(
        name: "unknown pair", windows: window("    cron: \"0 1 * * *\"\n    duration: 1h\n    pairs: [order]\n"),
        expect: "unknown pair 'order' (did you mean 'orders'?)", file: "w.yaml", line: 5),
    .init(
        name: "duplicate window names across files",
        windows: [
            "a.yaml": "windows:\n  - name: same\n" + validWindow, "b.yaml": "windows:\n  - name: same\n" + validWindow,
        ],
        expect: "window name 'same' is already used at", file: "b.yaml", line: 2),
    .init(
        name: "cutoff as long as the window", windows: window(validWindow + "    cutoff: 1h\n"),
        expect: "cutoff must be shorter than the duration", file: "w.yaml", line: 6),
    .init(
        name: "active range reversed",
        windows: window(validWindow + "    active_from: 2027-01-01\n    active_until: 2026-01-01\n"),
        expect: "active_until 2026-01-01 is before active_from 2027-01-01", file: "w.yaml", line: 7),
    .init(
        name: "exception date that does not exist", windows: window(validWindow + "    except: [2026-02-30]\n"),
        expect: "'2026-02-30' is not a real date", file: "w.yaml", line: 6),
    .init(
        name: "enabled that is not a boolean", windows: window(validWindow + "    enabled: maybe\n"),
        expect: "must be true or false", file: "w.yaml", line: 6),
    .init(
        name: "a quoted boolean", windows: window(validWindow + "    enabled: \"false\"\n"),
        expect: "must be true or false, without quotes", file: "w.yaml", line: 6),
    .init(
        name: "star listed with names",
        windows: window("    cron: \"0 1 * * *\"\n    duration: 1h\n    pairs: [\"*\", orders]\n"),
        expect: "\"*\" already means all pairs", file: "w.yaml", line: 5),
    .init(
        name: "windows that are not a list", windows: ["w.yaml": "windows:\n  name: w1\n"],
        expect: "'windows' must be a list", file: "w.yaml", line: 2),
    .init(name: "empty window file", windows: ["w.yaml": ""], expect: "the file is empty", file: "w.yaml", line: 1),
    .init(
        name: "window without a cron", windows: window("    duration: 1h\n    pairs: [orders]\n"),
        expect: "missing required key 'cron' in 'windows[0]'", file: "w.yaml", line: 2),
]

@Suite("Configuration loading")
struct ConfigLoaderTests {
    @Test("the example configuration in schedules/ loads")
    func exampleConfigurationLoads() throws {
        let root = BinaryRunner.repositoryRoot()
        let config = try ConfigLoader.load(path: root.appendingPathComponent("schedules/config.yaml").path)
        #expect(config.pairs.map(\.name) == ["orders-cache", "sessions-cache", "catalog-cache"])
        #expect(config.windows.map(\.name) == ["nightly-batch", "weekday-reindex", "patch-tuesday"])
        #expect(config.windows[0].timeZone.identifier == "Asia/Shanghai")
        #expect(config.windows[0].cutoff == 15 * 60)
        #expect(config.windows[2].pairs == .all)
        #expect(config.contentHash.count == 64)
    }

    @Test("a valid fixture loads with paths resolved against the config file")
    func fixtureLoads() throws {
        let fixture = try ConfigFixture(endpoint: URL(string: "http://127.0.0.1:9")!)
        defer { fixture.directory.remove() }
        let config = try ConfigLoader.load(path: fixture.configPath)
        #expect(config.stateDirectory == fixture.stateDirectory)
        #expect(config.cloud.endpoint(forRegion: "ap-southeast-1").absoluteString == "http://127.0.0.1:9")
        #expect(
            config.cloud.endpoint(forRegion: "eu-west-0").absoluteString
                == "https://gaussdb-nosql.eu-west-0.myhuaweicloud.com")
        #expect(config.cloud.timeout == .seconds(5))
        guard case .aksk(let ak, _) = config.cloud.auth else { Issue.record("expected aksk"); return }
        #expect(ak == fixture.directory.url("secrets/ak").path)
    }

    @Test("malformed input is refused with file and line", arguments: badConfigs)
    func malformedInputIsRefused(_ bad: BadConfigCase) throws {
        let fixture = try ConfigFixture(windows: bad.windows ?? ConfigFixture.defaultWindows)
        defer { fixture.directory.remove() }
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try fixture.directory.write("config.yaml", bad.mainEdit(original))
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: fixture.configPath) }
        guard let error else { return }
        #expect(error.description.contains(bad.expect), "\(error)")
        #expect(error.file.hasSuffix(bad.file), "\(error)")
        if let line = bad.line { #expect(error.line == line, "\(error)") }
        #expect(!error.description.contains("\n"), "one line: \(error)")
    }

    @Test(
        "plain http is refused for a remote endpoint and allowed for loopback",
        arguments: [
            ("http://gaussdb.example.com", false), ("http://10.0.0.1:8080", false), ("http://127.0.0.1:8080", true),
            ("http://localhost:1", true), ("http://[::1]:1", true), ("https://gaussdb.example.com", true),
            ("http://127.evil.com", false),
        ])
    func endpointPolicy(url: String, allowed: Bool) throws {
        let fixture = try ConfigFixture(endpoint: URL(string: url)!)
        defer { fixture.directory.remove() }
        if allowed {
            #expect(throws: Never.self) { try ConfigLoader.load(path: fixture.configPath) }
        } else {
            let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: fixture.configPath) }
            #expect(error?.description.contains("plain http") == true)
        }
    }

    @Test("a missing config file names the path and how to point at another")
    func missingFile() {
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/syncwindow.yaml") }
        #expect(
            error?.description
                == "/nonexistent/syncwindow.yaml: file not found — pass --config PATH or set SYNCWINDOW_CONFIG")
    }

    @Test("--config beats SYNCWINDOW_CONFIG beats the default")
    func pathResolution() {
        #expect(ConfigLoader.resolvePath(explicit: "/a", environment: ["SYNCWINDOW_CONFIG": "/b"]) == "/a")
        #expect(ConfigLoader.resolvePath(explicit: nil, environment: ["SYNCWINDOW_CONFIG": "/b"]) == "/b")
        #expect(ConfigLoader.resolvePath(explicit: nil, environment: [:]) == "/etc/syncwindow/config.yaml")
    }

    @Test("the content hash changes when a window file changes")
    func contentHash() throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let before = try ConfigLoader.load(path: fixture.configPath).contentHash
        try fixture.directory.write(
            "windows/nightly.yaml",
            ConfigFixture.defaultWindows["nightly.yaml"]!.replacingOccurrences(of: "2h", with: "3h"))
        #expect(try ConfigLoader.load(path: fixture.configPath).contentHash != before)
    }
}

@Suite("Credential files")
struct SecretFileTests {
    @Test("a private file is read and trimmed, and never shows its value")
    func readsPrivateFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("sk", "  s3cr3t-value\n", mode: 0o600)
        let secret = try SecretFile.read(path)
        #expect(secret.exposedValue == "s3cr3t-value")
        #expect("\(secret)" == "<redacted>")
        #expect(!String(reflecting: secret).contains("s3cr3t"))
    }

    @Test(
        "refused: readable by others, missing, empty, multi-line",
        arguments: [
            ("open", 0o644, "secret\n", "readable by group or others (mode 644) — run: chmod 600"),
            ("group", 0o640, "secret\n", "readable by group or others"),
            ("empty", 0o600, "\n", "credential file is empty"),
            ("twolines", 0o600, "a\nb\n", "must hold a single line"),
        ])
    func refused(name: String, mode: Int, content: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(name, content, mode: mode)
        let error = #expect(throws: ConfigError.self) { try SecretFile.read(path) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
        #expect(error?.description.contains("a\nb") != true)
    }

    @Test("a missing credential file is a clear error")
    func missing() {
        let error = #expect(throws: ConfigError.self) { try SecretFile.read("/nonexistent/ak") }
        #expect(error?.description.hasPrefix("/nonexistent/ak: credential file not found") == true)
    }
}
