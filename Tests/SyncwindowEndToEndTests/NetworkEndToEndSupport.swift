import Foundation
import SyncwindowTestSupport

/// One `geminidb-emulator` serving HTTPS with a certificate made at test time, and the syncwindow config
/// that points every region at it.
struct HTTPSSetup {
    static let inWindow = "2026-12-01T01:31:00Z"
    /// Whatever the machine running the tests has set, the ticks start from no proxy environment.
    static let cleanEnvironment = ["HTTPS_PROXY": "", "https_proxy": "", "NO_PROXY": "", "no_proxy": ""]

    /// Made once per test process: the CAs and certificates are the same for every test.
    nonisolated(unsafe) static var shared: TestCertificates?
    static let lock = NSLock()
    static func certificates() throws -> TestCertificates {
        lock.lock()
        defer { lock.unlock() }
        if let shared { return shared }
        let made = try TestCertificates.make()
        shared = made
        return made
    }

    let certificates: TestCertificates
    let fixture: ConfigFixture
    let emulator: SpawnedEmulator

    /// - Parameters:
    ///   - auth: a `cloud.auth` block for both the emulator and syncwindow (default: the fixture's AK/SK).
    init(identity: TestCertificates.Identity = .valid, auth: String? = nil) throws {
        certificates = try Self.certificates()
        fixture = try ConfigFixture(auth: auth)
        emulator = try SpawnedEmulator(
            configPath: fixture.configPath, flags: ["--job-delay", "0s"] + certificates.emulatorFlags(identity))
    }

    /// `https://127.0.0.1:PORT`, as the config names it.
    var endpoint: String { "https://127.0.0.1:\(emulator.port)" }

    /// Writes the config with every region at `https://HOST:PORT` (`host` defaults to 127.0.0.1) and `cloud`
    /// lines added; `{emulator}` in them becomes that URL. Returns its path.
    func config(host: String = "127.0.0.1", cloud: String = "", name: String = "live.yaml") throws -> String {
        let url = "https://\(host):\(emulator.port)"
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        let edited = original.replacingOccurrences(
            of: "  concurrency: 8",
            with: "  concurrency: 8\n  endpoints:\n    ap-southeast-1: \(url)\n    ap-southeast-3: \(url)\n"
                + cloud.replacingOccurrences(of: "{emulator}", with: url)
        ).replacingOccurrences(of: "{emulator}", with: url)
        return try fixture.directory.write(name, edited)
    }

    func tick(_ config: String, environment: [String: String] = [:]) throws -> BinaryRunner.Result {
        try BinaryRunner.run(
            "syncwindow", ["tick", "--config", config, "--at", Self.inWindow, "--poll-interval", "0.05"],
            environment: Self.cleanEnvironment.merging(environment) { $1 })
    }

    /// Accepted pause POSTs (202) the emulator served.
    func acceptedPosts() throws -> Int {
        try emulator.requests().filter { $0.method == "POST" && $0.status == 202 }.count
    }

    /// Pause/resume intents and outcomes in the audit trail: what syncwindow recorded as sent.
    func recordedSends() throws -> Int {
        let sql =
            "SELECT count(*) FROM event WHERE kind IN ('pause_intent','pause_outcome','resume_intent','resume_outcome')"
        if fixture.database != nil {
            // Before the first pass there is no event table to count.
            return Int((try? fixture.queryTrail(sql)) ?? "0") ?? -1
        }
        guard FileManager.default.fileExists(atPath: fixture.stateDirectory + "/audit.sqlite") else { return 0 }
        return Int(try fixture.queryTrail(sql)) ?? -1
    }
}

extension BinaryRunner.Result {
    /// stdout and stderr lines that mention `text`.
    func lines(containing text: String) -> [String] {
        (stdout + "\n" + stderr).split(whereSeparator: \.isNewline).map(String.init).filter { $0.contains(text) }
    }
}
