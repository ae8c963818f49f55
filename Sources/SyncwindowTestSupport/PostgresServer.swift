import Foundation
import SyncwindowConfig

/// A throwaway PostgreSQL server for tests (`scripts/throwaway-postgres.sh`): the one
/// `SYNCWINDOW_TEST_POSTGRES` names (`SOCKET_DIR:PORT`, as `make test` exports it), else one
/// started for this test process and removed when it exits. Each test takes a database of
/// its own (`makeDatabase()`); tests that stop the server start a private one (`startPrivate()`).
public final class PostgresServer: Sendable {
    public static let variable = "SYNCWINDOW_TEST_POSTGRES"
    /// The role syncwindow connects as (over TCP, with a password), owner of each test database.
    public static let role = "syncwindow"
    public static let rolePassword = "pg-test-password-never-printed-42"

    public let socketDirectory: String
    public let port: Int
    /// Whether this process started it (and so may halt, resume and remove it).
    let owned: Bool

    private init(socketDirectory: String, port: Int, owned: Bool) throws {
        self.socketDirectory = socketDirectory
        self.port = port
        self.owned = owned
        try psql(
            """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(Self.role)') THEN
                CREATE ROLE \(Self.role) LOGIN PASSWORD '\(Self.rolePassword)';
              END IF;
            END $$;
            """)
    }

    /// Whether tests can have a server: the environment names one, or the package is installed.
    public static var available: Bool {
        ProcessInfo.processInfo.environment[variable] != nil
            || FileManager.default.fileExists(atPath: "/usr/lib/postgresql")
    }

    /// Whether the test run asked for every fixture's store to be PostgreSQL (`SYNCWINDOW_TEST_STORE=postgres`).
    public static var fixturesUsePostgres: Bool {
        ProcessInfo.processInfo.environment["SYNCWINDOW_TEST_STORE"] == "postgres"
    }

    /// The server of this test process.
    public static func shared() throws -> PostgresServer {
        try sharedServer.get()
    }

    private static let sharedServer: Result<PostgresServer, any Error> = Result {
        if let named = ProcessInfo.processInfo.environment[variable] {
            guard let colon = named.lastIndex(of: ":"), let port = Int(named[named.index(after: colon)...]) else {
                throw PostgresServerError(message: "\(variable)='\(named)' is not SOCKET_DIR:PORT")
            }
            return try PostgresServer(socketDirectory: String(named[..<colon]), port: port, owned: false)
        }
        let server = try startPrivate()
        removeAtExit.withLock { $0.append(server.socketDirectory) }
        atexit {
            for directory in PostgresServer.removeAtExit.withLock({ $0 }) {
                _ = try? PostgresServer.script(["stop", directory])
            }
        }
        return server
    }

    private static let removeAtExit = LockedValue<[String]>([])

    /// A server of the caller's own, to halt and resume; `remove()` it when done.
    public static func startPrivate() throws -> PostgresServer {
        let words = try script(["start"]).split(separator: " ")
        guard words.count == 2, let port = Int(words[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw PostgresServerError(message: "throwaway-postgres.sh start printed '\(words.joined(separator: " "))'")
        }
        return try PostgresServer(socketDirectory: String(words[0]), port: port, owned: true)
    }

    /// A new, empty database owned by `role`. A rehearsal store (`syncwindow.rehearsal = on`,
    /// docs/hosts-that-disagree.md) unless `rehearsal` is false: the end-to-end tests run passes at fixed
    /// instants (`--at`), never at the time of day, and on a real shared store a pass's clock must
    /// agree with the database's.
    public func makeDatabase(rehearsal: Bool = true) throws -> TestDatabase {
        let name = "syncwindow_test_\(UUID().uuidString.prefix(8).lowercased())"
        try psql("CREATE DATABASE \(name) OWNER \(Self.role)")
        if rehearsal { try psql("ALTER DATABASE \(name) SET syncwindow.rehearsal = on") }
        return TestDatabase(server: self, name: name)
    }

    /// Runs SQL as the superuser over the socket; the output, tuples only.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", String(port), "-U",
            "postgres", "-d", database, "-c", sql,
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PostgresServerError(
                message: "psql failed: \(String(decoding: errorData, as: UTF8.self)) (SQL: \(sql.prefix(200)))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`).
    public func halt() throws {
        guard owned else { throw PostgresServerError(message: "halt() needs a server from startPrivate()") }
        try Self.script(["halt", socketDirectory])
    }

    /// Starts a halted server again, on the same port.
    public func resume() throws {
        guard owned else { throw PostgresServerError(message: "resume() needs a server from startPrivate()") }
        try Self.script(["resume", socketDirectory, String(port)])
    }

    /// Freezes the server with SIGSTOP — the postmaster and every backend — as a host stalled in
    /// the kernel or a paused VM would: connections stay open, nothing answers. `thaw()` undoes it.
    public func freeze() throws {
        try signalServer(SIGSTOP)
    }

    /// Lets a frozen server run again (SIGCONT).
    public func thaw() throws {
        try signalServer(SIGCONT)
    }

    private func signalServer(_ signal: Int32) throws {
        guard owned else { throw PostgresServerError(message: "freeze() needs a server from startPrivate()") }
        let pidFile = "\(socketDirectory)/data/postmaster.pid"
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let postmaster = text.split(separator: "\n").first.flatMap({ Int32($0) })
        else { throw PostgresServerError(message: "cannot read \(pidFile)") }
        for pid in [postmaster] + Self.children(of: postmaster) { kill(pid, signal) }
    }

    /// The processes whose parent is `parent`, from /proc (field 4 of /proc/PID/stat).
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
        }
    }

    /// Stops and removes a private server.
    public func remove() {
        guard owned else { return }
        _ = try? Self.script(["stop", socketDirectory])
    }

    /// Runs the script with its output in files, not pipes: the server it starts inherits
    /// the script's descriptors, so a pipe would never see its end while the server runs.
    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        let directory = try TemporaryDirectory(prefix: "syncwindow-pg-script")
        defer { directory.remove() }
        let outputPath = try directory.write("stdout", "")
        let errorPath = try directory.write("stderr", "")
        let process = Process()
        process.executableURL = BinaryRunner.repositoryRoot().appendingPathComponent("scripts/throwaway-postgres.sh")
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
        process.waitUntilExit()
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        let errorData = FileManager.default.contents(atPath: errorPath) ?? Data()
        guard process.terminationStatus == 0 else {
            throw PostgresServerError(
                message:
                    "throwaway-postgres.sh \(arguments.first ?? "") failed: \(String(decoding: errorData, as: UTF8.self))"
            )
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One test's database on a `PostgresServer`.
public struct TestDatabase: Sendable {
    public let server: PostgresServer
    public let name: String

    /// What `store.postgres.url` says for it (never a password).
    public var url: String { "postgresql://\(PostgresServer.role)@127.0.0.1:\(server.port)/\(name)" }

    /// The config's `store:` block, with the password in `passwordFile` (write it with mode 0600).
    public func storeYAML(passwordFile: String, extra: String = "") -> String {
        """
        store:
          postgres:
            url: \(url)
            password_file: \(passwordFile)
            tls: disable\(extra)
        """
    }

    /// `store.postgres` for this database (plain TCP on loopback), as a test builds it in process.
    public var settings: PostgresSettings {
        PostgresSettings(host: "127.0.0.1", port: server.port, user: PostgresServer.role, database: name, tls: .disable)
    }

    /// Runs SQL as the superuser in this database.
    @discardableResult
    public func psql(_ sql: String) throws -> String { try server.psql(sql, database: name) }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A value behind a lock, for the little shared state of test support.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
