import Foundation
import FuzzSupport
import SyncwindowConfig
import SyncwindowSchedule

/// libFuzzer target: the whole configuration loader. Input: the main file's YAML, then a NUL
/// byte, then one window file's YAML (`windows/w.yaml`). The loader must answer with a validated
/// configuration or a `ConfigError` — never trap — and every window it accepts must evaluate.
enum FuzzConfig {
    /// One directory for the whole run: rewriting two files is far cheaper than a directory per input.
    /// In memory (`/dev/shm`) where there is one: the disk would make this target I/O-bound.
    static let directory: URL = {
        let base =
            FileManager.default.fileExists(atPath: "/dev/shm")
            ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let url = base.appendingPathComponent("syncwindow-fuzz-config-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(
            at: url.appendingPathComponent("windows"), withIntermediateDirectories: true)
        return url
    }()
    static let configPath = directory.appendingPathComponent("config.yaml").path
    static let windowPath = directory.appendingPathComponent("windows/w.yaml").path
    static let now = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        write(input.bytes(upTo: 0), to: configPath)
        write(input.rest(), to: windowPath)

        let configuration: SyncwindowConfiguration
        do {
            configuration = try ConfigLoader.load(path: configPath)
        } catch {
            _ = error.description
            return
        }
        for window in configuration.windows {
            _ = window.occurrences(startingFrom: now, count: 3)
            _ = window.occurrences(openAt: now)
        }
        let schedule = Schedule(windows: configuration.windows)
        for pair in configuration.pairs {
            _ = schedule.mergedInterval(forPair: pair.name, at: now)
        }
        _ = schedule.nextEdge(after: now, horizon: 7 * 86_400)
    }
}

extension FuzzConfig {
    /// A plain write: `FileManager.createFile` and `Data.write` sync to disk, which costs more than the loader.
    static func write(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write \(path)")
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        precondition(written == bytes.count, "short write to \(path)")
    }
}

@main
enum FuzzConfigMain {
    static func main() { FuzzMain.run(name: "FuzzConfig", body: FuzzConfig.run) }
}
