import Foundation
import SyncwindowConfig
import SyncwindowTestSupport
import Testing

/// `store: postgres:` through the real loader: defaults, and every refusal as one line naming file and line.
@Suite("store: config")
struct StoreConfigTests {
    static func load(_ block: String) throws(ConfigError) -> SyncwindowConfiguration {
        let fixture = try! ConfigFixture(storeFromEnvironment: false)
        defer { fixture.directory.remove() }
        let main = try! String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try! fixture.directory.write("config.yaml", main + "\nstore:\n  postgres:\n" + block + "\n")
        return try ConfigLoader.load(path: fixture.configPath)
    }

    @Test("without store: SQLite; with it, the URL's parts and the defaults (require off loopback, prefer on it)")
    func defaults() throws {
        let fixture = try ConfigFixture(storeFromEnvironment: false)
        defer { fixture.directory.remove() }
        #expect(try ConfigLoader.load(path: fixture.configPath).store == .sqlite)

        guard case .postgres(let remote) = try Self.load("    url: postgresql://sw@db.internal/syncwindow").store else {
            Issue.record("expected a PostgreSQL store")
            return
        }
        #expect(remote.host == "db.internal" && remote.port == 5432 && remote.user == "sw")
        #expect(remote.database == "syncwindow" && remote.tls == .require)
        #expect(remote.lease == .seconds(30) && remote.leaseMargin == .seconds(10) && remote.passwordFile == nil)
        #expect(remote.maxClockSkew == .seconds(5))
        #expect(remote.displayURL == "postgresql://sw@db.internal:5432/syncwindow")

        guard
            case .postgres(let local) = try Self.load(
                "    url: postgresql://sw@127.0.0.1:6543/db\n    lease: 1m\n    lease_margin: 20s\n    max_clock_skew: 2s"
            ).store
        else {
            Issue.record("expected a PostgreSQL store")
            return
        }
        #expect(local.port == 6543 && local.tls == .prefer)
        #expect(local.lease == .seconds(60) && local.leaseMargin == .seconds(20) && local.maxClockSkew == .seconds(2))
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var block: String
        var expect: String
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(
            name: "a password in the URL", block: "    url: postgresql://sw:secret@db.internal/sw",
            expect: "contains a password; put it in 'store.postgres.password_file'"),
        BadCase(
            name: "tls disable off loopback", block: "    url: postgresql://sw@db.internal/sw\n    tls: disable",
            expect: "use require (disable and prefer are allowed only for loopback)"),
        BadCase(
            name: "an unknown tls mode", block: "    url: postgresql://sw@127.0.0.1/sw\n    tls: verify-full",
            expect: "use disable, prefer or require"),
        BadCase(name: "not a postgresql URL", block: "    url: mysql://sw@db/sw", expect: "is not a postgresql:// URL"),
        BadCase(
            name: "parameters in the URL", block: "    url: postgresql://sw@db.internal/sw?sslmode=disable",
            expect: "takes no parameters"),
        BadCase(name: "no user", block: "    url: postgresql://db.internal/sw", expect: "names no user"),
        BadCase(name: "no database", block: "    url: postgresql://sw@db.internal", expect: "names no database"),
        BadCase(
            name: "a lease too short", block: "    url: postgresql://sw@127.0.0.1/sw\n    lease: 5s",
            expect: "'store.postgres.lease' must be from 10s to 10m"),
        BadCase(
            name: "a margin over half the lease",
            block: "    url: postgresql://sw@127.0.0.1/sw\n    lease: 20s\n    lease_margin: 15s",
            expect: "must be at most half of 'lease'"),
        BadCase(
            name: "a clock tolerance beyond a minute",
            block: "    url: postgresql://sw@127.0.0.1/sw\n    max_clock_skew: 2m",
            expect: "'store.postgres.max_clock_skew' must be from 1s to 1m"),
        BadCase(
            name: "a typo in a key", block: "    url: postgresql://sw@127.0.0.1/sw\n    tlss: require",
            expect: "unknown key 'tlss' in 'store.postgres' (did you mean 'tls'?)"),
        BadCase(name: "no url", block: "    tls: require", expect: "missing required key 'url'"),
    ]

    @Test("a bad store block is one line naming the file and line", arguments: badCases)
    func refused(_ bad: BadCase) {
        let error = #expect(throws: ConfigError.self) { try Self.load(bad.block) }
        guard let error else { return }
        #expect(error.description.contains(bad.expect), "\(error)")
        #expect(error.file.hasSuffix("config.yaml") && error.line != nil, "\(error)")
        #expect(!error.description.contains("\n"), "\(error)")
        #expect(!error.description.contains("secret@"), "the password is never echoed: \(error)")
    }
}
