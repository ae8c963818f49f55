import Foundation
import SyncwindowTestSupport
import Testing

/// Input that must be refused in one line with exit 2 before anything is done: timing
/// values past their range, a head hash that is not one, credential files others control.
@Suite("input refused end to end", .serialized)
struct InputRefusalEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup

    @Test(
        "a timing value outside its range is one line naming the range, exit 2, and no call",
        arguments: [
            (["tick", "--job-timeout", "inf"], "--job-timeout must be from 0.1 to 86400 seconds"),
            (["tick", "--poll-interval", "1e300"], "--poll-interval must be from 0.01 to 600 seconds"),
            (["tick", "--lock-timeout", "1e300"], "--lock-timeout must be from 0 to 3600 seconds"),
            (["tick", "--job-timeout", "nan"], "--job-timeout must be from 0.1 to 86400 seconds"),
            (["tick", "--poll-interval", "0"], "--poll-interval must be from 0.01 to 600 seconds"),
            (
                ["override", "pause", "orders", "--for", "1h", "--reason", "r", "--job-timeout", "1e19"],
                "--job-timeout must be from 0.1 to 86400 seconds"
            ),
            (["run", "--poll-interval", "1e300"], "--poll-interval must be from 0.01 to 600 seconds"),
            (["run", "--interval", "inf"], "--interval must be from 1 to 3600 seconds"),
        ])
    func timingOutOfRange(arguments: [String], expected: String) throws {
        // Given a config and an emulator
        let setup = try Setup()
        defer { setup.finish() }

        // When the operator gives an absurd timing value
        let result = try BinaryRunner.run(
            "syncwindow", arguments + ["--config", setup.config, "--at", TickEndToEndTests.inWindow])

        // Then it is one line with the accepted range, exit 2, and the cloud saw nothing
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try setup.emulator.requests().isEmpty)
    }

    @Test("a malformed --expect-head is a usage error (exit 2), not a finding about the trail")
    func malformedExpectHead() throws {
        // Given a trail with one pass in it
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)

        // When verify is asked to expect a head that is not a hash
        let result = try BinaryRunner.run(
            "syncwindow", ["audit", "verify", "--config", setup.config, "--expect-head", "zzz"])

        // Then it is refused as input, not reported as a removed row
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("is not a head hash: 64 hex digits"), "\(result.stderr)")
        #expect(!result.stderr.contains("removed"), "\(result.stderr)")
    }

    @Test("a well-formed head is still compared, in either case of hex digits")
    func expectHeadCaseInsensitive() throws {
        // Given a trail and its head as verify prints it
        let setup = try Setup()
        defer { setup.finish() }
        #expect(try setup.tick().status == 0)
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", setup.config])
        let head = try #require(verify.stdout.split(separator: " ").last.map { String($0.dropLast()) })

        // When it is given back in upper case, and then a hash the trail never had
        let same = try BinaryRunner.run(
            "syncwindow", ["audit", "verify", "--config", setup.config, "--expect-head", head.uppercased()])
        let other = try BinaryRunner.run(
            "syncwindow",
            ["audit", "verify", "--config", setup.config, "--expect-head", String(repeating: "ab", count: 32)])

        // Then the first matches and the second is still the tampering finding, exit 1
        #expect(same.status == 0, "\(same.stdout) \(same.stderr)")
        #expect(other.status == 1, "\(other.stdout) \(other.stderr)")
        #expect(other.stderr.contains("does not contain the expected head"), "\(other.stderr)")
    }

    @Test(
        "a credential file another user owns is refused by check, naming the owner",
        .enabled(if: geteuid() == 0, "changing a file's owner needs root (CI runs as root)"))
    func credentialOwnedByAnotherUser() throws {
        // Given the secret key file belongs to nobody, mode 0600
        let setup = try Setup()
        defer { setup.finish() }
        let path = setup.fixture.directory.url("secrets/sk").path
        #expect(chown(path, 65534, 65534) == 0)

        // When check runs
        let result = try BinaryRunner.run("syncwindow", ["check", "--offline", "--config", setup.config])

        // Then it is refused in one line that names the file and its owner, exit 2
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("\(path): credential file is owned by"), "\(result.stderr)")
        #expect(result.stderr.contains("uid 65534"), "\(result.stderr)")
        #expect(!result.stderr.contains(ConfigFixture.secretKey))
    }

    @Test("a credential file in a directory others can write is refused; a sticky one is not")
    func credentialDirectoryWritableByOthers() throws {
        // Given the credentials directory is world-writable
        let setup = try Setup()
        defer { setup.finish() }
        let directory = setup.fixture.directory.url("secrets").path
        #expect(chmod(directory, 0o777) == 0)

        // When check runs
        let open = try BinaryRunner.run("syncwindow", ["check", "--offline", "--config", setup.config])

        // Then it is refused with the fix; with the sticky bit (others cannot replace our file) it passes
        #expect(open.status == 2, "\(open.stdout) \(open.stderr)")
        #expect(open.stderr.contains("can be written by group or others (mode 777)"), "\(open.stderr)")
        #expect(open.stderr.contains("chmod go-w \(directory)"), "\(open.stderr)")
        #expect(chmod(directory, 0o1777) == 0)
        let sticky = try BinaryRunner.run("syncwindow", ["check", "--offline", "--config", setup.config])
        #expect(sticky.status == 0, "\(sticky.stdout) \(sticky.stderr)")
    }
}
