import Foundation
import GeminiDBAPI
import SyncwindowConfig
import SyncwindowTestSupport
import Testing

/// `cloud.ca_file`, `cloud.proxy`, `cloud.proxy_credentials_file`, and the proxy environment (docs/configuration.md, "Operating behind a proxy").
@Suite("network configuration")
struct NetworkConfigTests {
    /// The fixture's config with `lines` added to `cloud:`.
    static func load(cloud lines: String, files: [String: String] = [:]) throws -> SyncwindowConfiguration {
        let fixture = try ConfigFixture()
        for (name, text) in files { try fixture.directory.write(name, text, mode: 0o600) }
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try fixture.directory.write(
            "config.yaml", original.replacingOccurrences(of: "  concurrency: 8", with: "  concurrency: 8\n" + lines))
        return try ConfigLoader.load(path: fixture.configPath)
    }

    static func error(cloud lines: String, files: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try load(cloud: lines, files: files)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    @Test("ca_file, proxy and proxy_credentials_file load, paths resolved against the config file")
    func networkSettingsLoad() throws {
        let config = try Self.load(
            cloud:
                "  ca_file: corp-ca.pem\n  proxy: http://proxy.internal:3128\n  proxy_credentials_file: secrets/proxy",
            files: ["corp-ca.pem": Self.pem])
        let directory = URL(fileURLWithPath: config.sourceFile).deletingLastPathComponent().path
        #expect(config.cloud.network.caFile == directory + "/corp-ca.pem")
        #expect(config.cloud.network.proxy?.host == "proxy.internal")
        #expect(config.cloud.network.proxy?.port == 3128)
        #expect(config.cloud.network.proxy?.credentialsFile == directory + "/secrets/proxy")
    }

    @Test("without network keys: system trust and no configured proxy")
    func defaults() throws {
        let config = try Self.load(cloud: "")
        #expect(config.cloud.network == NetworkSettings())
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var cloud: String
        var expect: String
        var testDescription: String { name }
    }

    @Test(
        "bad network settings are refused with file:line:col",
        arguments: [
            BadCase(
                name: "no key turns TLS verification off", cloud: "  tls_verify: false",
                expect: "unknown key 'tls_verify' in 'cloud'"),
            BadCase(name: "insecure is no key either", cloud: "  insecure: true", expect: "unknown key 'insecure'"),
            BadCase(name: "a missing ca_file", cloud: "  ca_file: /nonexistent/ca.pem", expect: "does not exist"),
            BadCase(name: "a ca_file without PEM", cloud: "  ca_file: config.yaml", expect: "holds no PEM certificate"),
            BadCase(
                name: "an https proxy", cloud: "  proxy: https://proxy.internal:3128",
                expect: "only http:// proxies are supported"),
            BadCase(
                name: "a proxy without a port", cloud: "  proxy: http://proxy.internal",
                expect: "needs a host and a port"),
            BadCase(
                name: "credentials in the proxy URL", cloud: "  proxy: http://bob:hunter2@proxy.internal:3128",
                expect: "put user:password in a file named by 'cloud.proxy_credentials_file'"),
            BadCase(
                name: "credentials without a proxy", cloud: "  proxy_credentials_file: secrets/proxy",
                expect: "needs 'cloud.proxy'"),
        ])
    func badSettings(_ bad: BadCase) throws {
        let error = try #require(Self.error(cloud: bad.cloud))
        #expect(error.message.contains(bad.expect), "\(error)")
        #expect(error.line != nil && error.column != nil, "\(error)")
        #expect(!error.description.contains("hunter2"))
    }

    // MARK: - Which proxy, for which host

    static let configured = NetworkSettings(proxy: ProxySettings(host: "proxy.internal", port: 3128))

    @Test("cloud.proxy wins over the environment and applies to every host, loopback included")
    func configuredProxyWins() throws {
        let proxy = try #require(
            try ProxyResolver.resolve(
                Self.configured, environment: ["HTTPS_PROXY": "http://other:8080", "NO_PROXY": "*"]))
        #expect(proxy.host == "proxy.internal" && proxy.source == "cloud.proxy")
        #expect(proxy.applies(toHost: "127.0.0.1", port: 443))
        #expect(proxy.applies(toHost: "gaussdb-nosql.ap-southeast-1.myhuaweicloud.com", port: 443))
    }

    @Test("cloud.proxy_credentials_file is user:password, read with the secret-file rules")
    func credentialsFile() throws {
        var settings = Self.configured
        settings.proxy?.credentialsFile = "/run/proxy"
        let proxy = try #require(
            try ProxyResolver.resolve(settings, environment: [:]) { _ throws(ConfigError) in Secret("svc:pa:ss") })
        #expect(proxy.user == "svc" && proxy.password == Secret("pa:ss"))
        #expect(throws: ConfigError.self) {
            try ProxyResolver.resolve(settings, environment: [:]) { _ throws(ConfigError) in Secret("no-colon") }
        }
        let fixture = try ConfigFixture()
        let loose = try fixture.directory.write("proxy", "svc:pw\n", mode: 0o644)
        settings.proxy?.credentialsFile = loose
        let error = try #require(throws: ConfigError.self) { try ProxyResolver.resolve(settings, environment: [:]) }
        #expect(error.message.contains("chmod 600"))
    }

    @Test("HTTPS_PROXY before https_proxy; NO_PROXY before no_proxy; HTTP_PROXY is never read")
    func environmentPrecedence() throws {
        let both = try #require(
            try ProxyResolver.resolve(
                NetworkSettings(),
                environment: [
                    "HTTPS_PROXY": "http://upper:3128", "https_proxy": "http://lower:3128",
                    "NO_PROXY": ".corp.example", "no_proxy": "*",
                ]))
        #expect(both.host == "upper" && both.source == "HTTPS_PROXY")
        #expect(both.applies(toHost: "gaussdb-nosql.ap-southeast-1.myhuaweicloud.com", port: 443))
        #expect(!both.applies(toHost: "iam.corp.example", port: 443))
        let lower = try #require(
            try ProxyResolver.resolve(NetworkSettings(), environment: ["https_proxy": "lower:8080"]))
        #expect(lower.host == "lower" && lower.port == 8080 && lower.source == "https_proxy")
        #expect(try ProxyResolver.resolve(NetworkSettings(), environment: ["HTTP_PROXY": "http://plain:3128"]) == nil)
        #expect(try ProxyResolver.resolve(NetworkSettings(), environment: ["HTTPS_PROXY": " "]) == nil)
    }

    @Test("an environment proxy never applies to loopback")
    func loopbackBypassesTheEnvironmentProxy() throws {
        let proxy = try #require(try ProxyResolver.resolve(NetworkSettings(), environment: ["HTTPS_PROXY": "p:3128"]))
        for host in ["127.0.0.1", "127.4.5.6", "localhost", "LOCALHOST", "::1", "[::1]"] {
            #expect(!proxy.applies(toHost: host, port: 8443), "\(host)")
        }
        #expect(proxy.applies(toHost: "iam.ap-southeast-1.myhuaweicloud.com", port: 443))
    }

    @Test("credentials in HTTPS_PROXY are used and never repeated in errors")
    func environmentCredentials() throws {
        let proxy = try #require(
            try ProxyResolver.resolve(NetworkSettings(), environment: ["HTTPS_PROXY": "http://svc:s3cr%40t@p:3128"]))
        #expect(proxy.user == "svc" && proxy.password?.exposedValue == "s3cr@t")
        let error = try #require(throws: ConfigError.self) {
            try ProxyResolver.resolve(NetworkSettings(), environment: ["HTTPS_PROXY": "socks5://svc:s3cret@p:1080"])
        }
        #expect(error.description.contains("HTTPS_PROXY"))
        #expect(!error.description.contains("s3cret"))
    }

    @Test(
        "NO_PROXY entries",
        arguments: [
            ("*", "anything.example", 443, true),
            ("example.com", "example.com", 443, true),
            ("example.com", "api.example.com", 443, true),
            ("example.com", "badexample.com", 443, false),
            (".example.com", "example.com", 443, true),
            ("*.example.com", "a.b.example.com", 443, true),
            ("example.com:8443", "api.example.com", 443, false),
            ("example.com:8443", "api.example.com", 8443, true),
            ("10.0.0.0/8", "10.20.30.40", 443, true),
            ("10.0.0.0/8", "11.0.0.1", 443, false),
            ("192.168.1.10", "192.168.1.10", 443, true),
            ("[2001:db8::1]:443", "2001:db8::1", 443, true),
            ("2001:db8::1", "[2001:db8::1]", 443, true),
            (" Foo.Example , bar.example ", "api.foo.example", 443, true),
            ("", "example.com", 443, false),
        ] as [(String, String, Int, Bool)])
    func noProxy(_ list: String, _ host: String, _ port: Int, _ bypass: Bool) {
        #expect(NoProxyList(list).matches(host: host, port: port) == bypass)
    }
}
