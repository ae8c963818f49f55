import Foundation
import SyncwindowTestSupport
import Testing

/// `syncwindow run` picks up edited window files without a restart: on SIGHUP, and by itself
/// before each pass; a broken edit keeps it running and says so.
@Suite("run reloads its config end to end", .serialized)
struct RunReloadEndToEndTests {
    /// A window open right now, whatever the wall clock reads.
    static let openNow = """
        windows:
          - name: now
            cron: "* * * * *"
            timezone: UTC
            duration: 10m
            pairs: ["*"]
        """

    static let invalid = """
        windows:
          - name: broken
            cron: "61 * * * *"
            timezone: UTC
            duration: 10m
            pairs: ["*"]
        """

    /// A config with no window at all, the emulator, and `run` reconciling every second.
    final class RunSetup {
        let fixture: ConfigFixture
        let emulator: SpawnedEmulator
        let config: String
        let metrics: String
        let stderrPath: String
        var process: Process?

        init() throws {
            fixture = try ConfigFixture(windows: [:])
            emulator = try SpawnedEmulator(configPath: fixture.configPath, flags: ["--job-delay", "0s"])
            config = try fixture.configPointing(at: emulator.baseURL)
            metrics = fixture.directory.url("syncwindow.prom").path
            stderrPath = fixture.directory.url("run.stderr").path
        }

        /// Starts `run` and waits for its first pass to write the metrics file.
        func start() throws -> Process {
            #expect(FileManager.default.createFile(atPath: stderrPath, contents: nil))
            let process = Process()
            process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
            process.arguments = [
                "run", "--config", config, "--interval", "1", "--metrics-file", metrics, "--poll-interval", "0.05",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "SYNCWINDOW_CONFIG")
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            try process.run()
            self.process = process
            let started = waitUntil(timeout: 20) { FileManager.default.fileExists(atPath: metrics) }
            #expect(started, "run wrote no metrics file: \(stderr())")
            return process
        }

        func ordersStatuses() throws -> [String?] {
            let all = try emulator.instances()
            return ["orders-primary-in12", "orders-standby-in12"].map { id in
                all.first { $0.instanceID == id }?.status
            }
        }

        func ordersPausedSoon() throws -> Bool {
            try waitUntil(timeout: 10) { try ordersStatuses() == ["SUSPENDED", "SUSPENDED"] }
        }

        func stderr() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// SIGTERM, then the exit status.
        func stop() -> Int32 {
            guard let process, process.isRunning else { return process?.terminationStatus ?? -1 }
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }

        func finish() {
            if let process, process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            _ = emulator.stop()
            fixture.directory.remove()
        }
    }

    @Test("SIGHUP reloads the window files: a new open window pauses; a broken one is reported and run lives on")
    func sighupReloads() throws {
        // Given run going with no window at all
        let setup = try RunSetup()
        defer { setup.finish() }
        let process = try setup.start()
        #expect(try setup.ordersStatuses() == ["SYNCING", "SYNCING"])

        // When a window open right now is added and run is sent SIGHUP
        try setup.fixture.directory.write("windows/now.yaml", Self.openNow)
        kill(process.processIdentifier, SIGHUP)

        // Then run keeps going and pauses orders under the new window
        #expect(try setup.ordersPausedSoon(), "orders not paused after SIGHUP: \(setup.stderr())")
        #expect(process.isRunning, "run died on SIGHUP: \(setup.stderr())")

        // When a broken window file is added and run is sent SIGHUP again
        try setup.fixture.directory.write("windows/zz-broken.yaml", Self.invalid)
        kill(process.processIdentifier, SIGHUP)

        // Then run keeps going, its metrics say the reload failed, and stderr names the file
        let reported = waitUntil(timeout: 10) {
            let prom = (try? String(contentsOfFile: setup.metrics, encoding: .utf8)) ?? ""
            return prom.contains("syncwindow_config_last_reload_successful 0")
        }
        #expect(reported, "metrics: \((try? String(contentsOfFile: setup.metrics, encoding: .utf8)) ?? "")")
        #expect(process.isRunning, "run died on a broken reload: \(setup.stderr())")
        // The pass that wrote that ran on the previous, valid configuration: orders is still held
        #expect(try setup.ordersStatuses() == ["SUSPENDED", "SUSPENDED"])
        let named = waitUntil(timeout: 5) {
            setup.stderr().split(separator: "\n").contains {
                $0.lowercased().contains("reload") && $0.contains("zz-broken.yaml")
            }
        }
        #expect(named, "stderr: \(setup.stderr())")

        // And it still stops cleanly on SIGTERM
        #expect(setup.stop() == 0, "\(setup.stderr())")
    }

    @Test("run notices an edited window file by itself, before its next pass")
    func runNoticesChangedFiles() throws {
        // Given run going with no window at all
        let setup = try RunSetup()
        defer { setup.finish() }
        let process = try setup.start()
        #expect(try setup.ordersStatuses() == ["SYNCING", "SYNCING"])

        // When a window open right now is added, with no signal
        try setup.fixture.directory.write("windows/now.yaml", Self.openNow)

        // Then run pauses orders within a few passes
        #expect(try setup.ordersPausedSoon(), "orders not paused: \(setup.stderr())")
        #expect(process.isRunning)
        #expect(setup.stop() == 0, "\(setup.stderr())")
    }
}
