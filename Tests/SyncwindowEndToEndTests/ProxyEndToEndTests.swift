import Foundation
import SyncwindowTestSupport
import Testing

/// `syncwindow tick` over HTTPS through a real HTTP proxy — Debian's `tinyproxy`, started on loopback by
/// each test — to the `geminidb-emulator` binary; the proxy's own log shows which tunnels it opened.
///
/// Only loopback is reachable here, and loopback never uses the environment's proxy. The environment path
/// is exercised through a name /etc/hosts maps to 127.0.0.1 (this machine's host name, typically), when
/// there is one; the proxy resolves it from /etc/hosts too, so nothing leaves the machine.
@Suite(
    "proxy end to end", .serialized,
    .enabled(if: TestCertificates.opensslAvailable && Tinyproxy.available, "needs the openssl and tinyproxy commands"))
struct ProxyEndToEndTests {
    static let user = "syncwindow"
    static let password = "proxy-pw-never-printed-4711"

    /// The emulator, its CA in `cloud.ca_file`, and a proxy that allows CONNECT to the emulator's port.
    struct Setup {
        let https: HTTPSSetup
        let proxy: Tinyproxy

        init(auth: Bool = false, allowEmulatorPort: Bool = true, cloudAuth: String? = nil) throws {
            https = try HTTPSSetup(auth: cloudAuth)
            // ConnectPort 1 only: CONNECT to the emulator is refused (tinyproxy allows every port when none is set).
            proxy = try Tinyproxy(
                connectPorts: allowEmulatorPort ? [https.emulator.port] : [1],
                basicAuth: auth ? (ProxyEndToEndTests.user, ProxyEndToEndTests.password) : nil)
        }

        var caLine: String { "  ca_file: \(https.certificates.caFile)\n" }

        func tunnels(to host: String = "127.0.0.1") -> Int {
            proxy.connectRequests().filter { $0 == "\(host):\(https.emulator.port)" }.count
        }
    }

    @Test("cloud.proxy: every call goes through the proxy's CONNECT tunnel, TLS still verified end to end")
    func configuredProxy() throws {
        let setup = try Setup()
        let config = try setup.https.config(cloud: setup.caLine + "  proxy: \(setup.proxy.url)\n")

        let result = try setup.https.tick(config)

        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(try setup.https.acceptedPosts() == 4)
        #expect(setup.tunnels() >= 1, "\(setup.proxy.log())")
    }

    @Test("an authenticating proxy: the right credentials pass, wrong or missing ones fail in one clear line")
    func proxyAuthentication() throws {
        let setup = try Setup(auth: true)
        let credentials = try setup.https.fixture.directory.write(
            "secrets/proxy", "\(Self.user):\(Self.password)\n", mode: 0o600)
        let wrongCredentials = try setup.https.fixture.directory.write(
            "secrets/proxy-wrong", "\(Self.user):not-the-password-0815\n", mode: 0o600)
        let proxyLine = "  proxy: \(setup.proxy.url)\n"

        let missing = try setup.https.tick(
            try setup.https.config(cloud: setup.caLine + proxyLine, name: "missing.yaml"))
        let wrong = try setup.https.tick(
            try setup.https.config(
                cloud: setup.caLine + proxyLine + "  proxy_credentials_file: \(wrongCredentials)\n", name: "wrong.yaml")
        )
        #expect(try setup.https.emulator.requests().isEmpty)
        let right = try setup.https.tick(
            try setup.https.config(
                cloud: setup.caLine + proxyLine + "  proxy_credentials_file: \(credentials)\n", name: "right.yaml"))

        let label = "the proxy 127.0.0.1:\(setup.proxy.port) (cloud.proxy)"
        #expect(missing.status == 1)
        #expect(
            !missing.lines(containing: "\(label) asks for credentials to reach \(setup.https.endpoint)").isEmpty,
            "\(missing.stdout)\n\(missing.stderr)")
        #expect(wrong.status == 1)
        #expect(
            !wrong.lines(
                containing: "\(label) refused the tunnel to \(setup.https.endpoint) — check "
                    + "cloud.proxy_credentials_file"
            ).isEmpty, "\(wrong.stdout)\n\(wrong.stderr)")
        #expect(right.status == 0, "\(right.stdout)\n\(right.stderr)")
        #expect(try setup.https.acceptedPosts() == 4)
        #expect(setup.tunnels() >= 1)
        for result in [missing, wrong, right] {
            #expect(!(result.stdout + result.stderr).contains(Self.password))
            #expect(!(result.stdout + result.stderr).contains("not-the-password-0815"))
        }
    }

    @Test("IAM token requests take the same path: through the proxy, and nowhere else")
    func iamThroughTheProxy() throws {
        try Self.writePassword()
        // The emulator reads the same block for the credentials it accepts; its own URL is not known yet, so
        // the config syncwindow reads gets it afterwards.
        let emulatorAuth = """
              auth:
                method: password
                iam_endpoint: https://iam.invalid
                domain: fixture-domain
                user: fixture-user
                password_file: \(Self.passwordFile.path)
            """
        let refused = try Setup(allowEmulatorPort: false, cloudAuth: emulatorAuth)
        let allowed = try Setup(cloudAuth: emulatorAuth)
        func config(_ setup: Setup) throws -> String {
            try setup.https.config(cloud: setup.caLine + "  proxy: \(setup.proxy.url)\n")
                .replacingConfigText("https://iam.invalid", with: setup.https.endpoint)
        }

        let blocked = try refused.https.tick(try config(refused))
        let passed = try allowed.https.tick(try config(allowed))

        // The proxy would not tunnel to the emulator: the token request failed, and did not go around it.
        #expect(blocked.status == 1, "\(blocked.stdout)\n\(blocked.stderr)")
        #expect(!blocked.lines(containing: "operation=iam-token").isEmpty, "\(blocked.stderr)")
        #expect(try refused.https.emulator.requests().isEmpty)
        #expect(passed.status == 0, "\(passed.stdout)\n\(passed.stderr)")
        #expect(try allowed.https.emulator.requests().contains { $0.method == "POST" && $0.path == "/v3/auth/tokens" })
        #expect(allowed.tunnels() >= 1)
    }

    @Test("HTTPS_PROXY is not used for loopback endpoints")
    func environmentProxySkipsLoopback() throws {
        let setup = try Setup()
        let config = try setup.https.config(cloud: setup.caLine)

        let result = try setup.https.tick(config, environment: ["HTTPS_PROXY": setup.proxy.url])

        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(setup.proxy.connectRequests().isEmpty, "\(setup.proxy.log())")
    }

    @Test(
        "HTTPS_PROXY (with credentials) carries calls to a non-loopback name; NO_PROXY sends them direct",
        .enabled(if: !LoopbackAliases.fromHostsFile().isEmpty, "needs a name other than localhost for 127.0.0.1"))
    func environmentProxy() throws {
        let setup = try Setup(auth: true)
        let alias = try #require(LoopbackAliases.fromHostsFile().first)
        let config = try setup.https.config(host: alias, cloud: setup.caLine)
        let proxyURL = "http://\(Self.user):\(Self.password)@127.0.0.1:\(setup.proxy.port)"

        let proxied = try setup.https.tick(config, environment: ["HTTPS_PROXY": proxyURL])
        let tunnelsAfterProxied = setup.tunnels(to: alias)
        let direct = try setup.https.tick(config, environment: ["https_proxy": proxyURL, "no_proxy": "\(alias)"])

        #expect(proxied.status == 0, "\(proxied.stdout)\n\(proxied.stderr)")
        #expect(tunnelsAfterProxied >= 1, "\(setup.proxy.log())")
        #expect(direct.status == 0, "\(direct.stdout)\n\(direct.stderr)")
        #expect(setup.tunnels(to: alias) == tunnelsAfterProxied)
        for result in [proxied, direct] { #expect(!(result.stdout + result.stderr).contains(Self.password)) }
    }

    static let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent(
        "syncwindow-proxy-iam-\(getpid())")

    static func writePassword() throws {
        try Data("fixture-iam-password\n".utf8).write(to: passwordFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile.path)
    }
}

extension String {
    /// Replaces `text` in the file at this path; returns the path.
    fileprivate func replacingConfigText(_ text: String, with replacement: String) throws -> String {
        let contents = try String(contentsOfFile: self, encoding: .utf8)
        try Data(contents.replacingOccurrences(of: text, with: replacement).utf8).write(
            to: URL(fileURLWithPath: self))
        return self
    }
}
