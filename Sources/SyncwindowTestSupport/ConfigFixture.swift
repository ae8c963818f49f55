import Foundation

/// Writes a complete syncwindow configuration into a temporary directory: main file,
/// window files and private credential files, so tests run the real loader on real files.
public struct ConfigFixture: Sendable {
    public let directory: TemporaryDirectory
    public var configPath: String { directory.url("config.yaml").path }
    public var stateDirectory: String { directory.url("state").path }
    /// The PostgreSQL database of the config's `store:`, when `SYNCWINDOW_TEST_STORE=postgres` gave it one.
    public private(set) var database: TestDatabase?

    public static let accessKey = "FIXTUREAKEXAMPLE0001"
    public static let secretKey = "fixture-secret-key-never-printed-0123456789"

    /// `cloud.auth` of the fixture unless `auth` says otherwise: AK/SK from `secrets/ak` and `secrets/sk`.
    public static let defaultAuth = """
          auth:
            method: aksk
            access_key_file: secrets/ak
            secret_key_file: secrets/sk
        """

    /// Two pairs: `orders` and `sessions`, each with a primary and a standby in two regions.
    public static let pairsYAML = """
        pairs:
          orders:
            primary: { region: ap-southeast-1, project_id: p1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, instance_id: orders-primary-in12 }
            standby: { region: ap-southeast-3, project_id: p3bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, instance_id: orders-standby-in12 }
          sessions:
            primary: { region: ap-southeast-1, project_id: p1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, instance_id: sessions-primary-in12 }
            standby: { region: ap-southeast-3, project_id: p3bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, instance_id: sessions-standby-in12 }
        """

    /// - Parameters:
    ///   - endpoint: where every region points (the emulator), or nil for the cloud defaults.
    ///   - windows: window file name → content.
    ///   - storeFromEnvironment: under `SYNCWINDOW_TEST_STORE=postgres`, give the config a
    ///     database of its own (tests that set up their own store pass false).
    public init(
        endpoint: URL? = nil, windows: [String: String] = ConfigFixture.defaultWindows, auth: String? = nil,
        extraMain: String = "", storeFromEnvironment: Bool = true
    ) throws {
        let directory = try TemporaryDirectory()
        self.directory = directory
        try directory.write("secrets/ak", Self.accessKey + "\n", mode: 0o600)
        try directory.write("secrets/sk", Self.secretKey + "\n", mode: 0o600)
        var endpoints = ""
        if let endpoint {
            endpoints =
                "\n  endpoints:\n    ap-southeast-1: \(endpoint.absoluteString)\n    ap-southeast-3: \(endpoint.absoluteString)"
        }
        let authBlock = auth ?? Self.defaultAuth
        try directory.write(
            "config.yaml",
            """
            state_dir: state
            schedules: windows
            cloud:
            \(authBlock)
              timeout: 5s
              concurrency: 8\(endpoints)
            \(Self.pairsYAML)
            \(extraMain)
            """)
        if storeFromEnvironment && PostgresServer.fixturesUsePostgres && !extraMain.contains("store:") {
            database = try useSharedPostgres()
        }
        for (name, text) in windows { try directory.write("windows/\(name)", text) }
        if windows.isEmpty {
            try FileManager.default.createDirectory(
                atPath: directory.url("windows").path, withIntermediateDirectories: true)
        }
    }

    /// A nightly 01:30 UTC, 2-hour window on both pairs.
    public static let defaultWindows = [
        "nightly.yaml": """
        windows:
          - name: nightly
            cron: "30 1 * * *"
            timezone: UTC
            duration: 2h
            pairs: ["*"]
        """
    ]
}

extension ConfigFixture {
    /// Points the config's `store:` at a new database of the test process's PostgreSQL server
    /// (`SYNCWINDOW_TEST_STORE=postgres` does this for every fixture), and returns it.
    @discardableResult
    public func useSharedPostgres(extra: String = "") throws -> TestDatabase {
        try usePostgres(try PostgresServer.shared().makeDatabase(), extra: extra)
    }

    /// Points the config's `store:` at `database`.
    @discardableResult
    public func usePostgres(_ database: TestDatabase, extra: String = "") throws -> TestDatabase {
        let passwordFile = try directory.write("secrets/pg", PostgresServer.rolePassword + "\n", mode: 0o600)
        let main = try String(contentsOfFile: configPath, encoding: .utf8)
        try directory.write(
            "config.yaml", main + "\n" + database.storeYAML(passwordFile: passwordFile, extra: extra) + "\n")
        return database
    }
}

extension ConfigFixture {
    /// Runs SQL on the trail, wherever it is: `psql` on the fixture's database, else `sqlite3`
    /// on `audit.sqlite`. Output as both print it: rows of `|`-separated values.
    public func queryTrail(_ sql: String) throws -> String {
        if let database { return try database.psql(sql) }
        return try querySQLiteTrail(sql)
    }

    /// Runs SQL with `sqlite3` on `audit.sqlite` in the state directory, whatever store the
    /// fixture names (a trail moved to PostgreSQL keeps its SQLite file).
    public func querySQLiteTrail(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [stateDirectory + "/audit.sqlite", sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
