import Foundation
import SyncwindowTestSupport
import Testing

/// `syncwindow tick` over HTTPS to the `geminidb-emulator` binary serving certificates made with `openssl`
/// at test time: a private CA added with `cloud.ca_file`, and the three ways a certificate is refused.
@Suite("TLS end to end", .serialized, .enabled(if: TestCertificates.opensslAvailable, "needs the openssl command"))
struct TLSEndToEndTests {
    @Test("a pass over HTTPS works when cloud.ca_file adds the private CA")
    func httpsWithPrivateCA() throws {
        let setup = try HTTPSSetup()
        #expect(setup.emulator.baseURL.scheme == "https")
        let config = try setup.config(cloud: "  ca_file: \(setup.certificates.caFile)\n")

        let result = try setup.tick(config)

        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(try setup.acceptedPosts() == 4)
        #expect(try setup.recordedSends() > 0)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var identity: TestCertificates.Identity
        var reason: String
        var testDescription: String { identity.rawValue }
    }

    @Test(
        "a refused certificate fails the pass with one line naming the endpoint and the reason, sending nothing",
        arguments: [
            Refusal(identity: .unknownCA, reason: "is not issued by a trusted CA (unknown CA)"),
            Refusal(identity: .expired, reason: "has expired (valid until 2020-01-02T00:00:00Z)"),
            Refusal(identity: .wrongHost, reason: "is not valid for the name 127.0.0.1 (host-name mismatch)"),
        ])
    func refusedCertificate(_ refusal: Refusal) throws {
        let setup = try HTTPSSetup(identity: refusal.identity)
        let config = try setup.config(cloud: "  ca_file: \(setup.certificates.caFile)\n")

        // Notice level, so a retry would show in the log.
        let result = try setup.tick(config, environment: ["SYNCWINDOW_LOG_LEVEL": "notice"])

        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        let lines = result.lines(containing: "TLS with \(setup.endpoint) failed")
        #expect(!lines.isEmpty, "\(result.stdout)\n\(result.stderr)")
        for line in lines { #expect(line.contains(refusal.reason), "\(line)") }
        // Not retried with backoff: no retry can make a certificate acceptable.
        #expect(!result.stderr.contains("retrying"), "\(result.stderr)")
        #expect(try setup.emulator.requests().isEmpty)
        #expect(try setup.recordedSends() == 0)
    }

    @Test("without cloud.ca_file only the system trust counts: the private CA is unknown")
    func systemTrustOnly() throws {
        let setup = try HTTPSSetup()
        let config = try setup.config()

        let result = try setup.tick(config)

        #expect(result.status == 1)
        #expect(!result.lines(containing: "(unknown CA)").isEmpty, "\(result.stdout)\n\(result.stderr)")
        #expect(try setup.emulator.requests().isEmpty)
    }

    @Test("a ca_file that is not a certificate bundle is a usage error before any call")
    func unusableCAFile() throws {
        let setup = try HTTPSSetup()
        let bogus = try setup.fixture.directory.write(
            "bogus-ca.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
        let config = try setup.config(cloud: "  ca_file: \(bogus)\n")

        let result = try setup.tick(config)

        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("cloud.ca_file \(bogus): not a readable PEM certificate bundle"))
        #expect(try setup.emulator.requests().isEmpty)
    }

    @Test("geminidb-emulator wants --tls-cert and --tls-key together, and a readable key")
    func emulatorTLSOptions() throws {
        let certificates = try HTTPSSetup.certificates()
        let fixture = try ConfigFixture()
        let half = try BinaryRunner.run(
            "geminidb-emulator", ["--pairs", fixture.configPath, "--tls-cert", certificates.caFile])
        #expect(half.status == 2)
        #expect(half.stderr.contains("--tls-cert and --tls-key go together"))
        let wrongKey = try BinaryRunner.run(
            "geminidb-emulator",
            ["--pairs", fixture.configPath, "--tls-cert", certificates.caFile, "--tls-key", certificates.caFile])
        #expect(wrongKey.status == 2)
        #expect(wrongKey.stderr.contains("not a readable PEM private key"), "\(wrongKey.stderr)")
    }
}
