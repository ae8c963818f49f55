import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks

/// One PostgreSQL database shared by every syncwindow host: the connection pool behind
/// ``PostgresAuditStore`` and ``PostgresPairLeases``. Every operation has a deadline
/// (`store.postgres.timeout`) on the injected clock: a database that does not answer is
/// `AuditStoreError.unavailable`, never a pass that hangs.
///
/// The pool lives inside `with(_:password:logger:clock:_:)`: its `run()` is a task owned by that
/// scope, cancelled (closing every connection) and awaited — for at most the operation deadline —
/// before the scope returns, so no connection outlives the command that opened it unless the
/// driver fails to shut down (then the process's exit ends it).
public final class PostgresBackend: Sendable {
    let client: PostgresClient
    public let settings: PostgresSettings
    let logger: Logger
    let clock: any Clock<Duration>
    private let password: String?

    /// The URL without secrets, for messages.
    public var location: String { settings.displayURL }

    private init(
        client: PostgresClient, settings: PostgresSettings, password: String?, logger: Logger,
        clock: any Clock<Duration>
    ) {
        self.client = client
        self.settings = settings
        self.password = password
        self.logger = logger
        self.clock = clock
    }

    /// Runs `body` with a connection pool to the database (nothing connects until the first
    /// operation), then shuts the pool down — its connections closed, its `run()` ended or, past
    /// the operation deadline, left to the process's exit — before returning, whether `body`
    /// returned or threw.
    /// - Parameter clock: what operation deadlines are measured on (the wiring passes the
    ///   continuous clock).
    public static func with<T>(
        _ settings: PostgresSettings, password: String?, logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresBackend) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(
            configuration: clientConfiguration(settings, password: password), backgroundLogger: logger)
        let backend = PostgresBackend(
            client: client, settings: settings, password: password, logger: logger, clock: clock)
        // Owner: this scope, which cancels the pool's run when `body` ends and waits for it —
        // for at most `store.postgres.timeout`. Unstructured (not a child task) only so that the
        // wait can be bounded: postgres-nio 1.33.2's `run()` may never finish shutting down
        // while it retries connections to a server that is down or frozen (vapor/postgres-nio#599,
        // fixed upstream by #647, not in this version), and a timer tick that never exits blocks
        // every later one. A run left so ends with the process.
        let run = Task { await client.run() }
        let result: Result<T, any Error>
        do { result = .success(try await body(backend)) } catch { result = .failure(error) }
        await backend.shutDown(run)
        return try result.get()
    }

    /// Cancels the pool's run (closing its connections) and waits for it to end, within the
    /// operation deadline; a run still going then is left to the process's exit, with one warning.
    private func shutDown(_ run: Task<Void, Never>) async {
        run.cancel()
        let limit = settings.timeout
        let clock = self.clock
        let runEnded: @Sendable () async -> Bool = {
            await run.value
            return true
        }
        let ended = try? await Deadline.raceReturningAtDeadline(limit, on: clock, runEnded)
        if ended != true {
            logger.warning(
                "the PostgreSQL connection pool (\(location)) did not shut down within \(limit.components.seconds)s (store.postgres.timeout); leaving it to the process's exit"
            )
        }
    }

    /// Verified TLS (no setting turns verification off), trusting `ca_file` when given.
    static func tlsConfiguration(_ settings: PostgresSettings) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile { tls.trustRoots = .file(caFile) }
        return tls
    }

    static func clientConfiguration(_ settings: PostgresSettings, password: String?) -> PostgresClient.Configuration {
        let tls = tlsConfiguration(settings)
        let mode: PostgresClient.Configuration.TLS =
            switch settings.tls {
            case .disable: .disable
            case .prefer: .prefer(tls)
            case .require: .require(tls)
            }
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: password,
            database: settings.database, tls: mode)
        configuration.options.connectTimeout = settings.timeout
        // Passes come and go every minute; idle connections are not worth keeping open.
        configuration.options.connectionIdleTimeout = .seconds(30)
        configuration.options.maximumConnections = 16
        configuration.options.additionalStartupParameters = Self.startupParameters
        return configuration
    }

    /// Runs `body` with one pooled connection, within the operation deadline, turning a
    /// database that cannot be reached (or answers too slowly) into `AuditStoreError.unavailable`.
    func withConnection<T: Sendable>(
        within limit: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await answering(within: limit) { [client] in
            try await client.withConnection { connection in
                try await connection.closingOnCancel { try await body(connection) }
            }
        }
    }

    /// Runs `body` on a connection of its own, outside the pool: what opening the store uses,
    /// so that a server that is down or refuses the role is reported at once and precisely
    /// ("connection refused", "password authentication failed") rather than after the pool
    /// has retried until the deadline.
    func withDirectConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let configuration = try directConfiguration()
        let logger = self.logger
        return try await answering {
            let connection = try await PostgresConnection.connect(
                configuration: configuration, id: 0, logger: logger)
            do {
                let result = try await connection.closingOnCancel { try await body(connection) }
                try? await connection.close()
                return result
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    private func directConfiguration() throws -> PostgresConnection.Configuration {
        let tls = Self.tlsConfiguration(settings)
        let mode: PostgresConnection.Configuration.TLS
        do {
            mode =
                switch settings.tls {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: tls))
                case .require: .require(try NIOSSLContext(configuration: tls))
                }
        } catch {
            throw AuditStoreError.unavailable(
                path: location, reason: "cannot use store.postgres.ca_file: \(PostgresErrorText.oneLine(error))")
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: password,
            database: settings.database, tls: mode)
        configuration.options.connectTimeout = .milliseconds(PostgresPairLeases.milliseconds(settings.timeout))
        configuration.options.additionalStartupParameters = Self.startupParameters
        return configuration
    }

    /// Every connection names itself, and plans its prepared statements once: a pass's
    /// statements (`PostgresStatements`, `PairTrailStatement`) have one good plan whatever the
    /// pair, and re-planning them per execution (PostgreSQL's default for a statement's first
    /// five runs) cost more than running them.
    static let startupParameters = [("application_name", "syncwindow"), ("plan_cache_mode", "force_generic_plan")]

    /// `withConnection` inside a transaction (committed when `body` returns, rolled back when it throws).
    ///
    /// A transaction cut off by its deadline is rolled back by the server when its connection
    /// closes — unless the deadline fell while COMMIT was on its way: then the caller hears
    /// `unavailable` of a transaction that did commit. For an append that is safe because the
    /// trail is built for it: an append is whole or absent (the chain stays linear either way),
    /// a pass stops at the first error before making the call its intent announces, and the
    /// next pass settles any intent it finds without an outcome (`PairPass.settle`, from the
    /// cloud's own job record and the live status). Every other write is a status cache that
    /// the next pass rewrites.
    func withTransaction<T: Sendable>(
        within limit: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await answering(within: limit) { [client, logger] in
            try await client.withConnection { connection in
                try await connection.closingOnCancel {
                    try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
                }
            }
        }
    }

    /// Maps the driver's errors, and a missed deadline, to `AuditStoreError`. Errors of ours
    /// (fencing, verification) pass through as they are.
    func answering<T: Sendable>(
        within limit: Duration? = nil, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let limit = limit ?? settings.timeout
        let clock = self.clock
        let outcome: T?
        do {
            do {
                // Not the structured race: an operation here may not end once cancelled (a pool
                // lease or a statement postgres-nio keeps waiting for), and a pass must not wait
                // for it past the deadline. Leaving it is safe: it is cancelled, its connection is
                // closed (`closingOnCancel`), so the server rolls back whatever it had not
                // committed; one that did commit is covered at `withTransaction`.
                outcome = try await Deadline.raceReturningAtDeadline(limit, on: clock, body)
            } catch let error as PostgresTransactionError {
                throw error.cause
            }
        } catch let error as PSQLError {
            let reason = PostgresErrorText.describe(error)
            // Class 28 (authorization), 3D000 (no such database), 42501 (privilege): fix the config.
            if let state = error.serverInfo?[.sqlState], state.hasPrefix("28") || state == "3D000" || state == "42501" {
                throw AuditStoreError.refused(path: location, reason: reason)
            }
            throw AuditStoreError.unavailable(path: location, reason: reason)
        } catch let error as AuditStoreError {
            throw error
        } catch let error as StoreNotEmpty {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw AuditStoreError.unavailable(path: location, reason: PostgresErrorText.oneLine(error))
        }
        guard let outcome else {
            throw AuditStoreError.unavailable(
                path: location, reason: "no answer within \(limit.components.seconds)s (store.postgres.timeout)")
        }
        return outcome
    }
}

/// `audit migrate` found events already in the store: it copies into an empty one only.
public struct StoreNotEmpty: Error, CustomStringConvertible {
    public var location: String
    public var count: Int64

    public init(location: String, count: Int64) {
        self.location = location
        self.count = count
    }

    public var description: String {
        "\(location) already holds \(count) events; audit migrate copies into an empty store only — nothing was copied"
    }
}

/// One line an operator can act on, from the driver's errors (whose own description hides
/// everything on purpose).
enum PostgresErrorText {
    static func describe(_ error: PSQLError) -> String {
        if let info = error.serverInfo, let message = info[.message] {
            let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "the server said: \(message)\(state)"
        }
        switch error.code {
        case .sslUnsupported: return "the server does not offer TLS (store.postgres.tls is require)"
        case .authMechanismRequiresPassword:
            return "the server asks for a password: set store.postgres.password_file"
        case .serverClosedConnection, .uncleanShutdown: return "the server closed the connection"
        case .connectionError:
            return "cannot connect: " + (error.underlying.map(connectionFailure) ?? "no reason given")
        case .poolClosed: return "the connection pool is closed"
        default:
            return error.underlying.map { oneLine($0) } ?? "database error \(error.code)"
        }
    }

    /// NIO's connection errors list every address tried; an operator needs the cause.
    static func connectionFailure(_ error: any Error) -> String {
        let text = String(describing: error)
        for (needle, plain) in [
            ("Connection refused", "connection refused (is PostgreSQL running and listening there?)"),
            ("timed out", "connection timed out"), ("No route to host", "no route to host"),
            ("Network is unreachable", "network is unreachable"), ("NXDOMAIN", "the host name does not resolve"),
            ("certificate", "the server's TLS certificate is not trusted (store.postgres.ca_file)"),
        ] where text.localizedCaseInsensitiveContains(needle) {
            return plain
        }
        return oneLine(error)
    }

    static func oneLine(_ error: any Error) -> String {
        if let error = error as? PSQLError { return describe(error) }
        let text = String(describing: error)
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
    }
}

extension PostgresConnection {
    /// Runs `body`, closing this connection if the task is cancelled meanwhile (by the
    /// operation's deadline, or the command's end): postgres-nio does not stop a statement on
    /// the wire when its task is cancelled, and a server that froze would hold it for ever.
    /// Closing fails the statement at once; the pool replaces the closed connection.
    ///
    /// A connection closed so goes back to the pool only once it is closed: the pool hears of
    /// the close from the connection itself, and a connection handed back while still closing
    /// was handed out again — the next lessee's statement failing with `clientClosedConnection`
    /// (a pair's pass ending while its lease renewal was mid-statement did that to the next pair).
    func closingOnCancel<T>(_ body: () async throws -> T) async throws -> T {
        let outcome: Result<T, any Error>
        do {
            outcome = .success(
                try await withTaskCancellationHandler {
                    try await body()
                } onCancel: {
                    let _: EventLoopFuture<Void> = self.close()
                })
        } catch {
            outcome = .failure(error)
        }
        if Task.isCancelled {
            // Closed by the handler, or cancelled just after `body` ended and not closed yet: close it
            // here too, so that the wait below cannot be for a connection nobody closes.
            let _: EventLoopFuture<Void> = close()
            try? await closeFuture.get()
        }
        return try outcome.get()
    }

    /// Runs a statement and drains its result, so the connection is free for the next one
    /// (a result left unread would hold it, and the pool would hand out a busy connection).
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}

extension PostgresTransactionError {
    /// What went wrong: the closure's own error first; BEGIN/COMMIT failures are the driver's.
    var cause: any Error { closureError ?? commitError ?? beginError ?? self }
}
