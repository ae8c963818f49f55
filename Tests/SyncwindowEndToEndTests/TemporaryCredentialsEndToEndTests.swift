import Foundation
import SyncwindowTestSupport
import Testing

/// No long-lived secret on the host, end to end: `method: metadata` against the emulator's metadata service,
/// temporary key files rotated mid-pass, and systemd's `credential:NAME` — the built binaries, both stores.
@Suite("temporary credentials end to end", .serialized)
struct TemporaryCredentialsEndToEndTests {
    static let inWindow = TickEndToEndTests.inWindow
    static let afterWindow = TickEndToEndTests.afterWindow
    /// The placeholder the configs name until the emulator's port is known (loopback, so the config loads).
    static let placeholder = "http://127.0.0.1:9"

    static let metadataAuth = """
          auth:
            method: metadata
            metadata_endpoint: \(placeholder)
        """

    static let keyFilesAuth = """
          auth:
            method: aksk
            access_key_file: secrets/tmp-ak
            secret_key_file: secrets/tmp-sk
            security_token_file: secrets/tmp-token
        """

    struct Setup {
        let fixture: ConfigFixture
        let emulator: SpawnedEmulator
        let config: String

        init(auth: String, emulatorFlags: [String] = [], prepare: (ConfigFixture) throws -> Void = { _ in }) throws {
            fixture = try ConfigFixture(auth: auth)
            try prepare(fixture)
            emulator = try SpawnedEmulator(
                configPath: fixture.configPath, flags: ["--job-delay", "0s"] + emulatorFlags)
            let live = try fixture.configPointing(at: emulator.baseURL)
            let text = try String(contentsOfFile: live, encoding: .utf8)
                .replacingOccurrences(
                    of: TemporaryCredentialsEndToEndTests.placeholder, with: emulator.baseURL.absoluteString)
            config = try fixture.directory.write("config-live.yaml", text)
        }

        func syncwindow(
            _ arguments: [String], at: String? = TemporaryCredentialsEndToEndTests.inWindow,
            environment: [String: String] = [:], config: String? = nil
        ) throws -> BinaryRunner.Result {
            let time = at.map { ["--at", $0, "--poll-interval", "0.05"] } ?? []
            return try BinaryRunner.run(
                "syncwindow", arguments + ["--config", config ?? self.config] + time, environment: environment)
        }

        /// `tick` in the background, its output in files.
        func startTick(at: String = TemporaryCredentialsEndToEndTests.inWindow) throws -> (Process, String) {
            let output = fixture.directory.url("tick.out").path
            #expect(FileManager.default.createFile(atPath: output, contents: nil))
            let process = Process()
            process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
            process.arguments = ["tick", "-v", "--config", config, "--at", at, "--poll-interval", "0.05"]
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "SYNCWINDOW_CONFIG")
            process.environment = environment
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            return (process, output)
        }

        func apiStatuses() throws -> [Int] {
            try emulator.requests().filter { $0.path.hasPrefix("/v3/") }.compactMap(\.status)
        }

        func keyFetches() throws -> Int {
            try emulator.requests().filter { $0.path == "/openstack/latest/securitykey" && $0.status == 200 }.count
        }

        func failures() throws -> Int {
            Int(
                try fixture.queryTrail("SELECT count(*) FROM event WHERE outcome = 'error' OR kind = 'error'")
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        func issuedKeys() throws -> [[String: String]] {
            struct Issued: Decodable { var credentials: [[String: String]] }
            return try JSONDecoder().decode(Issued.self, from: try emulator.control("GET", "temporary-keys"))
                .credentials
        }

        /// Revokes one temporary key at the emulator.
        func revokeKey(_ access: String) {
            #expect((try? emulator.control("DELETE", "temporary-keys/\(access)")) != nil)
        }

        func finish() {
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    @Test("metadata: a pass spanning several key expiries converges, no request refused, nothing failed in the trail")
    func passSpansKeyExpiry() throws {
        // Keys live 2 s (used for 1 s each); every job runs 1.5 s, so the pass outlives several keys.
        let setup = try Setup(auth: Self.metadataAuth, emulatorFlags: ["--temporary-key-lifetime", "2s"])
        defer { setup.finish() }
        _ = try setup.emulator.control("PUT", "faults", body: #"{"job_delay_ms": 1500}"#)
        let pause = try setup.syncwindow(["tick"])
        #expect(pause.status == 0, "\(pause.stdout) \(pause.stderr)")
        let statuses = try setup.apiStatuses()
        #expect(!statuses.isEmpty && statuses.allSatisfy { $0 != 401 }, "\(statuses)")
        #expect(try setup.keyFetches() >= 2)
        #expect(try setup.failures() == 0)
        #expect(try setup.emulator.instances().allSatisfy { $0.status == "SUSPENDED" })
        let resume = try setup.syncwindow(["tick"], at: Self.afterWindow)
        #expect(resume.status == 0, "\(resume.stdout) \(resume.stderr)")
        #expect(try setup.emulator.instances().allSatisfy { $0.status == "SYNCING" })
    }

    @Test("metadata: a key revoked mid-pass is refused once, fetched again, and the pass converges")
    func keyRevokedMidPass() throws {
        let setup = try Setup(auth: Self.metadataAuth)
        defer { setup.finish() }
        _ = try setup.emulator.control("PUT", "faults", body: #"{"job_delay_ms": 2000}"#)
        let (tick, output) = try setup.startTick()
        #expect(
            try waitUntil(timeout: 20, every: 0.02) {
                try setup.emulator.requests().contains { $0.method == "POST" && $0.status == 202 }
            })
        _ = try setup.emulator.control("POST", "revoke-tokens")
        tick.waitUntilExit()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(tick.terminationStatus == 0, "\(text)")
        let statuses = try setup.apiStatuses()
        #expect(statuses.contains(401))
        #expect(try setup.keyFetches() >= 2)
        #expect(try setup.failures() == 0)
        #expect(try setup.emulator.instances().allSatisfy { $0.status == "SUSPENDED" })
    }

    @Test("metadata without an agency: one line, exit 2, no API call; check says the same")
    func noAgency() throws {
        let setup = try Setup(auth: Self.metadataAuth, emulatorFlags: ["--no-agency"])
        defer { setup.finish() }
        for arguments in [["tick"], ["check"]] {
            let result = try setup.syncwindow(arguments, at: arguments == ["check"] ? nil : Self.inWindow)
            #expect(result.status == 2, "\(arguments): \(result.stdout) \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("no cloud service agency"), "\(result.stderr)")
        }
        #expect(try setup.apiStatuses().isEmpty)
    }

    @Test("check names the method and when the temporary key expires")
    func checkReportsExpiry() throws {
        let setup = try Setup(auth: Self.metadataAuth)
        defer { setup.finish() }
        let check = try setup.syncwindow(["check", "--offline"], at: nil)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("auth:      metadata (ECS agency via \(setup.emulator.baseURL.absoluteString)"))
        #expect(check.stdout.contains("temporary key expires 20"), "\(check.stdout)")
    }

    @Test("security_token_file: keys rotated mid-pass are read again before the next call, none refused")
    func rotatedKeyFiles() throws {
        let setup = try Setup(auth: Self.keyFilesAuth) { fixture in
            try fixture.directory.write("secrets/tmp-ak", "TMPAKSEEDED0000001\n", mode: 0o600)
            try fixture.directory.write("secrets/tmp-sk", "seeded-temporary-secret-0123456789\n", mode: 0o600)
            try fixture.directory.write("secrets/tmp-token", "seeded-security-token-abcdef\n", mode: 0o600)
        }
        defer { setup.finish() }
        _ = try setup.emulator.control("PUT", "faults", body: #"{"job_delay_ms": 1500}"#)
        let (tick, output) = try setup.startTick()
        #expect(
            try waitUntil(timeout: 20, every: 0.02) {
                try setup.emulator.requests().filter { $0.method == "POST" && $0.status == 202 }.count == 4
            })
        // The rotation job: a new key from "IAM", written over the files; then the old one is revoked.
        struct Answer: Decodable { var credential: [String: String] }
        let new = try JSONDecoder().decode(Answer.self, from: try setup.emulator.control("POST", "temporary-keys"))
            .credential
        try setup.fixture.directory.write("secrets/tmp-ak", new["access"]! + "\n", mode: 0o600)
        try setup.fixture.directory.write("secrets/tmp-sk", new["secret"]! + "\n", mode: 0o600)
        try setup.fixture.directory.write("secrets/tmp-token", new["securitytoken"]! + "\n", mode: 0o600)
        let marker = try setup.emulator.requestCount()
        setup.revokeKey("TMPAKSEEDED0000001")
        tick.waitUntilExit()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(tick.terminationStatus == 0, "\(text)")
        let after = try setup.emulator.requests().dropFirst(marker).filter { $0.path.hasPrefix("/v3/") }
        #expect(!after.isEmpty && after.allSatisfy { $0.status == 200 }, "\(after.map(\.status))")
        #expect(try setup.failures() == 0)
        #expect(!text.contains(new["secret"]!) && !text.contains(new["securitytoken"]!))
    }

    @Test("credential:NAME reads $CREDENTIALS_DIRECTORY; a missing variable or credential is one line, exit 2")
    func systemdCredentials() throws {
        // The emulator reads the fixture's plain files; syncwindow the same key as systemd credentials.
        let setup = try Setup(auth: ConfigFixture.defaultAuth)
        defer { setup.finish() }
        let text = try String(contentsOfFile: setup.config, encoding: .utf8)
            .replacingOccurrences(of: "access_key_file: secrets/ak", with: "access_key_file: credential:ak")
            .replacingOccurrences(of: "secret_key_file: secrets/sk", with: "secret_key_file: credential:sk")
        let config = try setup.fixture.directory.write("config-credentials.yaml", text)
        let credentials = setup.fixture.directory.url("credentials").path
        try setup.fixture.directory.write("credentials/ak", ConfigFixture.accessKey + "\n", mode: 0o400)
        try setup.fixture.directory.write("credentials/sk", ConfigFixture.secretKey + "\n", mode: 0o440)
        let environment = ["CREDENTIALS_DIRECTORY": credentials]

        let unset = try setup.syncwindow(["tick"], config: config)
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("$CREDENTIALS_DIRECTORY is not set"), "\(unset.stderr)")
        #expect(unset.stderr.split(separator: "\n").count == 1, "\(unset.stderr)")
        #expect(try setup.apiStatuses().isEmpty)

        try setup.fixture.directory.write("empty-credentials/ak", ConfigFixture.accessKey + "\n", mode: 0o400)
        let missing = try setup.syncwindow(
            ["tick"], environment: ["CREDENTIALS_DIRECTORY": setup.fixture.directory.url("empty-credentials").path],
            config: config)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("credential:sk: no such credential"), "\(missing.stderr)")
        #expect(try setup.apiStatuses().isEmpty)

        let check = try setup.syncwindow(["check", "--offline"], at: nil, environment: environment, config: config)
        #expect(check.status == 0, "\(check.stderr)")
        let tick = try setup.syncwindow(["tick"], environment: environment, config: config)
        #expect(tick.status == 0, "\(tick.stdout) \(tick.stderr)")
        #expect(try setup.emulator.instances().allSatisfy { $0.status == "SUSPENDED" })
        #expect(!(check.stdout + tick.stdout + tick.stderr).contains(ConfigFixture.secretKey))
    }

    @Test("temporary secrets and security tokens appear nowhere: output, logs, process title, trail, report")
    func temporarySecretsNeverLeak() throws {
        let setup = try Setup(auth: Self.metadataAuth, emulatorFlags: ["--temporary-key-lifetime", "2s"])
        defer { setup.finish() }
        _ = try setup.emulator.control("PUT", "faults", body: #"{"job_delay_ms": 1500}"#)
        let (tick, output) = try setup.startTick()
        var titles = ""
        _ = waitUntil(timeout: 20, every: 0.05) {
            titles += (try? String(contentsOfFile: "/proc/\(tick.processIdentifier)/cmdline", encoding: .utf8)) ?? ""
            return !tick.isRunning
        }
        tick.waitUntilExit()
        var outputs = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(tick.terminationStatus == 0, "\(outputs)")
        for (arguments, at) in [
            (["tick", "-v"], Self.afterWindow), (["status", "--format", "json"], nil),
            (["audit", "--format", "csv"], nil), (["check", "-v"], nil),
            (
                ["report", "--format", "json", "--since", "2026-11-01T00:00:00Z", "--until", "2026-12-31T00:00:00Z"],
                nil
            ),
        ] as [([String], String?)] {
            let result = try setup.syncwindow(arguments, at: at)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            outputs += result.stdout + result.stderr
        }
        let trail = try setup.fixture.queryTrail("SELECT * FROM event")
        let keys = try setup.issuedKeys()
        #expect(keys.count >= 2)
        #expect(outputs.contains("pause") && !trail.isEmpty && titles.contains("tick"))
        for key in keys {
            for secret in [key["secret"]!, key["securitytoken"]!] {
                #expect(!outputs.contains(secret))
                #expect(!titles.contains(secret))
                #expect(!trail.contains(secret))
            }
        }
        if !PostgresServer.fixturesUsePostgres {
            for file in ["audit.sqlite", "audit.sqlite-wal"] {
                let data =
                    (try? Data(contentsOf: URL(fileURLWithPath: setup.fixture.stateDirectory + "/" + file))) ?? Data()
                for key in keys { #expect(data.range(of: Data(key["securitytoken"]!.utf8)) == nil) }
            }
        }
    }
}

/// A pair whose standbys live in another account: `cloud.profiles.other`, `auth: other` on those sides.
@Suite("auth profiles end to end", .serialized)
struct AuthProfilesEndToEndTests {
    static let otherAccessKey = "OTHERACCOUNTAK000001"
    static let otherSecretKey = "other-account-secret-key-never-printed-42"

    static let auth = """
          auth:
            method: aksk
            access_key_file: secrets/ak
            secret_key_file: secrets/sk
          profiles:
            other:
              method: aksk
              access_key_file: secrets/other-ak
              secret_key_file: secrets/other-sk
        """

    @Test("each side signs with its own account's key; check names method and profile per side")
    func standbysInAnotherAccount() throws {
        let setup = try TemporaryCredentialsEndToEndTests.Setup(auth: Self.auth) { fixture in
            try fixture.directory.write("secrets/other-ak", Self.otherAccessKey + "\n", mode: 0o600)
            try fixture.directory.write("secrets/other-sk", Self.otherSecretKey + "\n", mode: 0o600)
            let text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
                .replacingOccurrences(of: "-standby-in12 }", with: "-standby-in12, auth: other }")
            _ = try fixture.directory.write("config.yaml", text)
        }
        defer { setup.finish() }
        let check = try setup.syncwindow(["check", "--offline"], at: nil)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("auth:      profile other: aksk, credential files readable and private"))
        #expect(check.stdout.contains("sides:     orders: primary cloud.auth (aksk), standby profile other (aksk)"))
        let tick = try setup.syncwindow(["tick"])
        #expect(tick.status == 0, "\(tick.stdout) \(tick.stderr)")
        #expect(try setup.apiStatuses().allSatisfy { $0 != 401 })
        #expect(try setup.emulator.instances().allSatisfy { $0.status == "SUSPENDED" })
        #expect(!(tick.stdout + tick.stderr + check.stdout).contains(Self.otherSecretKey))
    }

    @Test("a side naming an unknown profile is one line with its place in the file, exit 2")
    func unknownProfile() throws {
        let fixture = try ConfigFixture()
        defer { fixture.directory.remove() }
        let text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "orders-standby-in12 }", with: "orders-standby-in12, auth: nope }")
        let config = try fixture.directory.write("config.yaml", text)
        let check = try BinaryRunner.run("syncwindow", ["check", "--offline", "--config", config])
        #expect(check.status == 2)
        #expect(check.stderr.contains("config.yaml:"), "\(check.stderr)")
        #expect(
            check.stderr.contains("names profile 'nope', not in cloud.profiles (none is defined)"), "\(check.stderr)")
    }
}
