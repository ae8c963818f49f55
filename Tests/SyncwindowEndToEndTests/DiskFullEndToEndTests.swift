import Foundation
import SyncwindowTestSupport
import Testing

/// A full disk under state_dir, for real: a small tmpfs (mounting one needs root, as CI has).
@Suite(
    "a full disk under the SQLite trail", .serialized, .sqliteTrailOnly,
    .enabled(if: getuid() == 0, "mounting a small tmpfs to fill needs root"))
struct DiskFullEndToEndTests {
    typealias Setup = TickEndToEndTests.Setup

    /// A tmpfs of a few MB at `path`, unmounted by `unmount()`.
    struct SmallDisk {
        let path: String

        init(at path: String) throws {
            self.path = path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let mount = try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", path])
            try #require(mount == 0, "mount -t tmpfs failed")
        }

        /// Writes zeros until the file system has not a block left.
        func fill() throws {
            _ = try Self.run("/bin/dd", ["if=/dev/zero", "of=\(path)/filler", "bs=4k"])
            var stats = statvfs()
            try #require(statvfs(path, &stats) == 0 && stats.f_bavail == 0, "the disk did not fill")
        }

        func free() { try? FileManager.default.removeItem(atPath: path + "/filler") }

        func unmount() { _ = try? Self.run("/bin/umount", [path]) }

        @discardableResult
        static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test(
        "a pass on a full disk says the disk is full in one line, exit 1, and sends no call", arguments: [true, false])
    func passOnFullDisk(trailExists: Bool) throws {
        // Given a trail (or none yet) on a small disk
        let setup = try Setup()
        defer { setup.finish() }
        let disk = try SmallDisk(at: setup.fixture.directory.url("disk").path)
        defer { disk.unmount() }
        let state = disk.path + "/state"
        let config = try setup.fixture.directory.write(
            "config-disk.yaml",
            try String(contentsOfFile: setup.config, encoding: .utf8)
                .replacingOccurrences(of: "state_dir: state", with: "state_dir: \(state)"))
        func tick(at: String) throws -> BinaryRunner.Result {
            try BinaryRunner.run("syncwindow", ["tick", "--config", config, "--at", at, "--poll-interval", "0.05"])
        }
        if trailExists {
            #expect(try tick(at: TickEndToEndTests.inWindow).status == 0)
            // The write-ahead log merged and removed, so that the next write needs new blocks.
            try #require(
                try SmallDisk.run("/usr/bin/sqlite3", [state + "/audit.sqlite", "PRAGMA wal_checkpoint(TRUNCATE);"])
                    == 0)
        }
        let posts = try setup.acceptedPosts().values.reduce(0, +)
        // When the disk fills up and the next pass runs
        try disk.fill()
        let full = try tick(at: TickEndToEndTests.afterWindow)
        // Then it says so in one line, exits 1, and sends nothing it could not record
        #expect(full.status == 1, "\(full.stdout) \(full.stderr)")
        let lines = full.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("the disk is full"), "\(full.stderr)")
        #expect(!full.stderr.contains("SQLite error") && !full.stderr.contains("permissions"), "\(full.stderr)")
        #expect(try setup.acceptedPosts().values.reduce(0, +) == posts)
        // ... and once there is room again, the next pass carries on from an intact trail
        disk.free()
        let next = try tick(at: TickEndToEndTests.afterWindow)
        #expect(next.status == 0, "\(next.stderr)")
        let verify = try BinaryRunner.run("syncwindow", ["audit", "verify", "--config", config])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }
}
