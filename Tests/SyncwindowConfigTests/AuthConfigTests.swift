import Foundation
import GeminiDBAPI
import SyncwindowConfig
import SyncwindowTestSupport
import Testing

/// `cloud.auth` without long-lived secrets: `metadata`, `security_token_file`, `credential:NAME`, profiles.
@Suite("auth configuration")
struct AuthConfigTests {
    /// The fixture with `auth` as its `cloud.auth` block, and `pairsEdit` applied to the file.
    static func load(auth: String, pairsEdit: (String) -> String = { $0 }) throws -> SyncwindowConfiguration {
        let fixture = try ConfigFixture(auth: auth, storeFromEnvironment: false)
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try fixture.directory.write("config.yaml", pairsEdit(original))
        return try ConfigLoader.load(path: fixture.configPath)
    }

    static func error(auth: String, pairsEdit: (String) -> String = { $0 }) -> String {
        do {
            _ = try load(auth: auth, pairsEdit: pairsEdit)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test("metadata holds no secret; its endpoint defaults to the fixed address and may be a loopback URL")
    func metadata() throws {
        #expect(try Self.load(auth: "  auth:\n    method: metadata").cloud.auth == .metadata(endpoint: nil))
        let local = try Self.load(auth: "  auth:\n    method: metadata\n    metadata_endpoint: http://127.0.0.1:8181")
        #expect(local.cloud.auth == .metadata(endpoint: URL(string: "http://127.0.0.1:8181")))
    }

    @Test(
        "metadata_endpoint off loopback is refused with its line",
        arguments: [
            "http://169.254.169.254", "https://metadata.example.com", "http://10.0.0.5:80", "not a url",
        ])
    func metadataEndpointOffLoopback(endpoint: String) {
        let error = Self.error(auth: "  auth:\n    method: metadata\n    metadata_endpoint: \(endpoint)")
        #expect(error.contains("config.yaml:6:"), "\(error)")
        #expect(error.contains("only a loopback URL"), "\(error)")
    }

    @Test("keys of another method are refused for metadata")
    func metadataTakesNoFiles() {
        let error = Self.error(auth: "  auth:\n    method: metadata\n    access_key_file: ak")
        #expect(error.contains("'access_key_file' does not belong to auth method 'metadata'"), "\(error)")
    }

    @Test("aksk with security_token_file is a temporary key from files; credential:NAME stays unresolved")
    func temporaryKeyFiles() throws {
        let config = try Self.load(
            auth: """
                  auth:
                    method: aksk
                    access_key_file: credential:ak
                    secret_key_file: secrets/sk
                    security_token_file: credential:token
                """)
        let directory = URL(fileURLWithPath: config.sourceFile).deletingLastPathComponent().path
        #expect(
            config.cloud.auth
                == .temporaryKeyFiles(
                    accessKeyFile: "credential:ak", secretKeyFile: directory + "/secrets/sk",
                    securityTokenFile: "credential:token"))
    }

    @Test("a credential name that is a path is refused", arguments: ["../sk", "a/b", "", ".."])
    func badCredentialName(name: String) {
        let error = Self.error(auth: "  auth:\n    method: token\n    token_file: \"credential:\(name)\"")
        #expect(error.contains("config.yaml:6:"), "\(error)")
        #expect(error.contains("use credential:NAME"), "\(error)")
    }

    @Test("profiles and a side's auth: the side keeps its profile, an unknown one is refused")
    func profiles() throws {
        let auth = """
              auth:
                method: metadata
              profiles:
                dr:
                  method: aksk
                  access_key_file: secrets/ak
                  secret_key_file: secrets/sk
            """
        let config = try Self.load(auth: auth) {
            $0.replacingOccurrences(of: "orders-standby-in12 }", with: "orders-standby-in12, auth: dr }")
        }
        #expect(config.cloud.profiles.keys.sorted() == ["dr"])
        #expect(config.pairs[0].standbyProfile == "dr" && config.pairs[0].primaryProfile == nil)
        #expect(config.pairs[1].standbyProfile == nil)
        let error = Self.error(auth: auth) {
            $0.replacingOccurrences(of: "orders-primary-in12 }", with: "orders-primary-in12, auth: prod }")
        }
        #expect(error.contains("names profile 'prod', not in cloud.profiles (defined: dr)"), "\(error)")
    }
}

@Suite("systemd credentials")
struct SystemdCredentialTests {
    @Test("credential:NAME reads $CREDENTIALS_DIRECTORY/NAME, whatever its mode")
    func readsTheCredential() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("creds/sk", "the-secret\n", mode: 0o440)
        let secret = try SecretFile.read(
            "credential:sk", environment: ["CREDENTIALS_DIRECTORY": directory.url("creds").path])
        #expect(secret.exposedValue == "the-secret")
    }

    @Test("no $CREDENTIALS_DIRECTORY, or no such credential: one line saying what to add")
    func missing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let unset = #expect(throws: ConfigError.self) { try SecretFile.read("credential:sk", environment: [:]) }
        #expect(
            unset?.description.contains("$CREDENTIALS_DIRECTORY is not set") == true, "\(String(describing: unset))")
        let missing = #expect(throws: ConfigError.self) {
            try SecretFile.read("credential:sk", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        }
        #expect(missing?.description.contains("credential:sk: no such credential") == true)
        #expect(missing?.description.contains("\n") == false)
    }

    @Test("a plain file keeps the 0600 rule")
    func plainFilesStillChecked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("sk", "the-secret\n", mode: 0o644)
        let error = #expect(throws: ConfigError.self) { try SecretFile.read(path) }
        #expect(error?.description.contains("readable by group or others") == true)
    }
}
