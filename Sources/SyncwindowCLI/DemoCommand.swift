import ArgumentParser
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import GeminiDBEmulatorSetup
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule

/// `syncwindow demo`: the quick start. Starts an in-process emulator serving the example
/// pairs, then runs real passes at the edges of the next 24 hours' windows (`--at`), and
/// shows `status` and the audit trail. Everything lives in a temporary directory.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Rehearse tonight's windows against a built-in emulator, in seconds.",
        discussion: """
            Runs real passes at the edges of every window occurrence in the next 24 hours, and of the \
            next occurrence of every window (however far ahead), then shows status and the audit trail.
            """)

    @Option(help: "The example config to rehearse (default: schedules/config.yaml of this checkout).")
    var config: String?

    @Option(help: "Start the rehearsal at this RFC 3339 time (default: now).")
    var from: String?

    @Flag(help: "Keep the temporary directory (audit.sqlite, generated config) for a look afterwards.")
    var keep = false

    @Flag(name: .shortAndLong, help: "Log debug details to stderr.")
    var verbose = false

    func run() async throws {
        Log.bootstrap(verbose: verbose)
        let start = try Arguments.instant(from, option: "--from", default: SystemClock.now())
        let workspace = try DemoWorkspace.create()
        defer { if !keep { workspace.remove() } }

        var config = try loadExample()
        let (accessKey, secretKey) = try workspace.writeCredentials()
        config.stateDirectory = workspace.path("state")
        config.cloud.auth = .aksk(accessKeyFile: workspace.path("ak"), secretKeyFile: workspace.path("sk"))

        let emulator = try await RunningEmulator.start(
            configuration: EmulatorConfiguration(
                pairs: config.pairs.map(EmulatorPair.init),
                auth: .aksk(accessKey: accessKey, secretKey: secretKey),
                faults: EmulatorFaults(jobDelayMilliseconds: 150)))
        let regions = Set(config.pairs.flatMap { [$0.primary.region, $0.standby.region] })
        config.cloud.endpoints = Dictionary(uniqueKeysWithValues: regions.map { ($0, emulator.baseURL) })
        print("syncwindow demo — emulator at \(emulator.baseURL.absoluteString), state in \(workspace.root)")
        print("config \(config.sourceFile): \(config.pairs.count) pairs, \(config.windows.count) windows\n")

        do {
            try await rehearse(config: config, from: start)
        } catch {
            await emulator.shutdown()
            throw error
        }
        await emulator.shutdown()
        if keep { print("\nkept \(workspace.root) (audit: \(config.stateDirectory)/audit.sqlite)") }
    }

    private func rehearse(config: SyncwindowConfiguration, from start: Date) async throws {
        let schedule = Schedule(windows: config.windows)
        let horizon = start.addingTimeInterval(24 * 3600)
        var moments: [(Date, String)] = [(start, "start of the rehearsal")]
        for pair in config.pairs {
            // Tonight's windows, and at least the next occurrence of each window of the pair.
            let tonight = schedule.occurrences(forPair: pair.name, startingFrom: start, before: horizon)
            let next = schedule.windows(forPair: pair.name).compactMap { window in
                window.occurrences(startingFrom: start, before: start.addingTimeInterval(400 * 86_400)).first
            }
            for occurrence in Set(tonight + next) {
                moments.append((occurrence.start, "\(occurrence.window) opens"))
                moments.append((occurrence.start.addingTimeInterval(60), "\(occurrence.window) open, a minute later"))
                moments.append((occurrence.end, "\(occurrence.window) closes"))
            }
        }
        // And the next exception date, if one comes first: the window stays shut, and the
        // audit says why (`skipped`).
        for window in config.windows where !window.exceptDates.isEmpty {
            var unrestricted = window
            unrestricted.exceptDates = []
            let until = start.addingTimeInterval(400 * 86_400)
            let real = Set(window.occurrences(startingFrom: start, before: until))
            if let excepted = unrestricted.occurrences(startingFrom: start, before: until).first(where: {
                !real.contains($0)
            }),
                excepted.start < (real.map(\.start).min() ?? until)
            {
                moments.append((excepted.start.addingTimeInterval(60), "\(window.name) stays shut: exception date"))
            }
        }
        let instants = Dictionary(grouping: moments, by: \.0).sorted { $0.key < $1.key }
        try await Wiring.withReconciler(config, host: ProcessInfo.processInfo.hostName, logger: Log.logger()) {
            reconciler in
            for (instant, labels) in instants {
                let what = Set(labels.map(\.1)).sorted().joined(separator: "; ")
                print("── tick --at \(RFC3339.format(instant, in: .gmt))  (\(what))")
                let result = try await reconciler.runPass(
                    ReconcileOptions(
                        at: instant, jobTimeout: .seconds(30), pollInterval: .milliseconds(50), mode: .demo))
                PassPrinter.print(result, format: .table, dryRun: false)
                print("")
            }
            let last = instants.last?.key ?? start
            print("── status --at \(RFC3339.format(last, in: .gmt))")
            StatusCommand.render(
                try await PairStatusReader.read(configuration: config, audit: reconciler.audit, at: last), at: last,
                format: .table)
            print("\n── audit")
            AuditListCommand.render(try await reconciler.audit.events(), format: .table)
            print("\n── audit verify")
            switch try await reconciler.audit.verify() {
            case .intact(let count, let head): print("audit trail intact: \(count) events, head \(head)")
            case .broken(let row, let problem): print("audit trail BROKEN at row \(row): \(problem)")
            }
        }
    }

    private func loadExample() throws -> SyncwindowConfiguration {
        // The checkout's example: from the working directory, else beside the binary
        // (`.build/<triple>/debug/syncwindow` lives three levels below the checkout).
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let besideBinary = (1...4).map { levels in
            (0..<levels).reduce(binary) { url, _ in url.deletingLastPathComponent() }
                .appendingPathComponent("schedules/config.yaml").path
        }
        let candidates = config.map { [$0] } ?? (["schedules/config.yaml"] + besideBinary)
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw CLIFailure(
                "no example config found (looked in ./schedules and beside the binary); run from the checkout or pass --config"
            )
        }
        do {
            return try ConfigLoader.load(path: path)
        } catch {
            throw CLIFailure(error.description)
        }
    }
}

/// The demo's private temporary directory, with generated emulator credentials.
struct DemoWorkspace {
    let root: String

    static func create() throws -> DemoWorkspace {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "syncwindow-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(
            at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return DemoWorkspace(root: root.path)
    }

    func path(_ name: String) -> String { URL(fileURLWithPath: root).appendingPathComponent(name).path }

    /// A random key pair, written as private files the way a real deployment provides them.
    func writeCredentials() throws -> (Secret, Secret) {
        func random(_ count: Int) -> String {
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in String(format: "%02X", UInt8.random(in: 0...255, using: &generator)) }
                .joined()
        }
        let accessKey = "DEMO" + random(8), secretKey = random(20)
        for (name, value) in [("ak", accessKey), ("sk", secretKey)] {
            let written = FileManager.default.createFile(
                atPath: path(name), contents: Data(value.utf8), attributes: [.posixPermissions: 0o600])
            guard written else { throw CLIFailure("cannot write the demo's credential file \(path(name))") }
        }
        return (Secret(accessKey), Secret(secretKey))
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
