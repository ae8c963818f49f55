import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowLocks
import SyncwindowPostgres
import SyncwindowReconciler
import SyncwindowReport

/// The trail and the pair locks a config names: SQLite and `flock` files under `state_dir`,
/// or the shared PostgreSQL with its leases.
struct OpenedStore {
    let audit: any AuditStoring
    /// Nil: the reconciler's default, `flock` files under `state_dir`.
    let locks: (any PairLocks)?
    /// A shared store's checks of this host's clock and configuration; nil on SQLite.
    var sharedStore: SharedStoreGuard? = nil
}

/// Wires the production parts for commands that reach the cloud: credentials, the HTTP
/// client, the audit store and the reconciler. Everything is validated before any API
/// call, so a bad config or credential exits 2 having called nothing.
enum Wiring {
    static func withReconciler<T>(
        _ config: SyncwindowConfiguration, host: String, logger: Logger, _ body: (Reconciler) async throws -> T
    ) async throws -> T {
        let credentials = try CredentialLoader.load(config.cloud)
        return try await withHTTP(config) { http in
            // The temporary key first: an ECS without an agency is exit 2 before the trail is even opened.
            let client = makeClient(config, credentials: credentials, http: http, logger: logger)
            _ = try await prepare(client)
            return try await withStore(config, host: host) { store in
                try await body(makeReconciler(config, client: client, store: store, logger: logger))
            }
        }
    }

    /// The HTTP clients for `cloud:`'s CA bundle and proxy (else `HTTPS_PROXY`/`NO_PROXY` from the
    /// environment). A CA bundle or proxy setting that cannot be used is exit 2, before any call.
    static func withHTTP<T>(
        _ config: SyncwindowConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
        isolation: isolated (any Actor)? = #isolation, _ body: (GeminiDBHTTP) async throws -> T
    ) async throws -> T {
        let options = try networkOptions(config.cloud.network, environment: environment)
        do {
            return try await GeminiDBHTTP.with(options, body)
        } catch let error as NetworkSetupError {
            throw CLIFailure(error.description)
        }
    }

    static func networkOptions(_ network: NetworkSettings, environment: [String: String]) throws -> NetworkOptions {
        let resolved: ResolvedProxy?
        do {
            resolved = try ProxyResolver.resolve(network, environment: environment)
        } catch {
            throw CLIFailure(error.description)
        }
        let proxy = resolved.map { resolved in
            NetworkOptions.Proxy(
                host: resolved.host, port: resolved.port, user: resolved.user, password: resolved.password,
                source: resolved.source, applies: { resolved.applies(toHost: $0, port: $1) })
        }
        return NetworkOptions(additionalCAFile: network.caFile, proxy: proxy)
    }

    /// The reconciler over a fresh client, its temporary keys fetched first (``prepare(_:)``).
    static func makeReconciler(
        _ config: SyncwindowConfiguration, credentials: ClientCredentials, store: OpenedStore, http: GeminiDBHTTP,
        logger: Logger
    ) async throws -> Reconciler {
        let client = makeClient(config, credentials: credentials, http: http, logger: logger)
        _ = try await prepare(client)
        return makeReconciler(config, client: client, store: store, logger: logger)
    }

    static func makeReconciler(
        _ config: SyncwindowConfiguration, client: GeminiDBClient, store: OpenedStore, logger: Logger
    ) -> Reconciler {
        Reconciler(
            configuration: config, cloud: client, audit: store.audit, logger: logger, locks: store.locks,
            sharedStore: store.sharedStore)
    }

    /// The cloud client: `cloud.auth` for every instance, except those whose side names a profile.
    static func makeClient(
        _ config: SyncwindowConfiguration, credentials: ClientCredentials, http: GeminiDBHTTP, logger: Logger
    ) -> GeminiDBClient {
        var instanceProfiles: [InstanceRef: String] = [:]
        for pair in config.pairs {
            if let profile = pair.primaryProfile { instanceProfiles[pair.primary] = profile }
            if let profile = pair.standbyProfile { instanceProfiles[pair.standby] = profile }
        }
        return GeminiDBClient(
            configuration: clientConfiguration(config.cloud, credentials: credentials.main),
            credentials: credentials.main, http: http, logger: logger, profiles: credentials.profiles,
            instanceProfiles: instanceProfiles)
    }

    /// Fetches the temporary keys (`method: metadata`) before anything acts: an ECS without an agency is one line
    /// and exit 2, having called no API. Anything else (the metadata service unreachable after every retry) is left
    /// to the pass, whose calls try again and are audited as failed like any unreachable endpoint. Returns the
    /// expiries it learned, for `check`.
    static func prepare(_ client: GeminiDBClient) async throws -> [(profile: String?, expiresAt: Date?)] {
        do {
            return try await client.prepareCredentials()
        } catch let error where error.apiCode == GeminiDBClient.noAgencyCode {
            if case .unauthorized(_, let message, _) = error { throw CLIFailure("cloud.auth: \(message)") }
            throw CLIFailure("cloud.auth: \(error)")
        } catch {
            return []
        }
    }

    static func clientConfiguration(_ cloud: CloudSettings, credentials: Credentials) -> GeminiDBClient.Configuration {
        var iamEndpoint: URL?
        if case .password(let endpoint, _, _, _) = credentials { iamEndpoint = endpoint }
        return GeminiDBClient.Configuration(
            endpoints: cloud.endpoints, iamEndpoint: iamEndpoint, timeout: cloud.timeout,
            concurrency: cloud.concurrency,
            rateLimit: Double(cloud.rateLimit))
    }

    /// The trail and the pair locks a config names, opened for passes (tick, run, override):
    /// created and migrated if needed, refused if their append-only guarantees are gone. They
    /// live for `body`: a PostgreSQL pool is shut down before this returns.
    /// - Parameter host: this host's id (`HostIdentity`), stamped on events and named in leases.
    static func withStore<T>(
        _ config: SyncwindowConfiguration, host: String, isolation: isolated (any Actor)? = #isolation,
        _ body: (OpenedStore) async throws -> T
    ) async throws -> T {
        switch config.store {
        case .sqlite:
            return try await body(OpenedStore(audit: try openAudit(config, host: host), locks: nil))
        case .postgres(let settings):
            return try await withPostgres(settings) { backend in
                let audit = try await PostgresAuditStore.open(backend, wallClock: SystemClock.now, host: host)
                return try await body(
                    OpenedStore(
                        audit: audit, locks: PostgresPairLeases(backend: backend, host: host),
                        sharedStore: sharedStoreGuard(audit, settings: settings, host: host)))
            }
        }
    }

    /// What a host checks against a shared store before it acts: its clock (by the store's
    /// `clock_timestamp()`, this host's real clock around it) and its configuration.
    static func sharedStoreGuard(_ store: PostgresAuditStore, settings: PostgresSettings, host: String)
        -> SharedStoreGuard
    {
        let tolerance = settings.maxClockSkew.components
        return SharedStoreGuard(
            host: host,
            maxClockSkew: Double(tolerance.seconds) + Double(tolerance.attoseconds) / 1e18
        ) {
            let reading = try await store.readClock(hostClock: SystemClock.now)
            return StoreClockReading(
                storeNow: reading.storeNow, sentAt: reading.sentAt, answeredAt: reading.answeredAt,
                rehearsal: reading.rehearsal)
        }
    }

    /// The connection pool of `store.postgres`, for the life of `body` (the command's): shut down,
    /// every connection closed, before this returns. The password file follows the rules of every
    /// secret file (exit 2 before anything connects). Deadlines run on the real continuous clock.
    static func withPostgres<T>(
        _ settings: PostgresSettings, isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresBackend) async throws -> T
    ) async throws -> T {
        var password: Secret?
        if let file = settings.passwordFile {
            do {
                password = try SecretFile.read(file)
            } catch {
                throw CLIFailure(error.description)
            }
        }
        return try await PostgresBackend.with(
            settings, password: password?.exposedValue, logger: Log.logger("syncwindow.store"),
            clock: ContinuousClock(), body)
    }

    /// Opens the SQLite trail for a pass: creates and migrates it if needed, and refuses one
    /// whose append-only guarantees are gone.
    static func openAudit(_ config: SyncwindowConfiguration, host: String) throws -> AuditStore {
        // Nothing was done yet: like a config error, these are exit 2.
        if let problem = StateDirectoryCheck.problem(config.stateDirectory) {
            throw CLIFailure(
                "\(config.sourceFile): state_dir \(problem) — set state_dir to a directory this user can write")
        }
        let busyTimeout = try AuditBusyTimeout.fromEnvironment()
        do {
            return try AuditStore.open(
                stateDirectory: config.stateDirectory, wallClock: SystemClock.now, busyTimeout: busyTimeout,
                host: host)
        } catch {
            throw openingFailure(error, verb: "open", config)
        }
    }

    /// Opens the trail for a reading command (status, audit, report) for the life of `body`:
    /// read-only, never creating or migrating anything. With no trail yet it says so on stderr
    /// and reads an empty one, so the command still shows the configured pairs.
    /// `mapped`: the command probes the trail pair by pair (`status`) rather than reading it all.
    static func withAuditForReading<T>(
        _ config: SyncwindowConfiguration, mapped: Bool = false, isolation: isolated (any Actor)? = #isolation,
        _ body: (any AuditStoring) async throws -> T
    ) async throws -> T {
        try await withOpenedForReading(config, requireMigrations: true, mapped: mapped) { opened in
            switch opened {
            case .success(let audit): return try await body(audit)
            case .failure(let missing):
                FileHandle.standardError.write(
                    Data(
                        "syncwindow: no audit trail at \(Printable.escaped(missing.path)) yet (no pass has run)\n".utf8)
                )
                switch config.store {
                case .sqlite: return try await body(try AuditStore.empty(path: missing.path))
                case .postgres:
                    return try await body(InMemoryAuditStore(location: missing.path, wallClock: SystemClock.now))
                }
            }
        }
    }

    /// No trail at `path` yet (`AuditStoreError.missing`).
    struct MissingTrail: Error {
        let path: String
    }

    /// Opens an existing trail read-only for the life of `body`; `AuditStoreError.missing` when there is none.
    static func withExistingAuditForReading<T>(
        _ config: SyncwindowConfiguration, requireMigrations: Bool, mapped: Bool = false,
        isolation: isolated (any Actor)? = #isolation, _ body: (any AuditStoring) async throws -> T
    ) async throws -> T {
        try await withOpenedForReading(config, requireMigrations: requireMigrations, mapped: mapped) { opened in
            switch opened {
            case .success(let audit): return try await body(audit)
            case .failure(let missing): throw AuditStoreError.missing(path: missing.path)
            }
        }
    }

    /// Opens an existing trail read-only for the life of `body`, which is handed the store, or
    /// `MissingTrail` when there is none (a PostgreSQL pool stays open for `body` either way):
    /// an error of `body`'s is never taken for a missing trail.
    private static func withOpenedForReading<T>(
        _ config: SyncwindowConfiguration, requireMigrations: Bool, mapped: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Result<any AuditStoring, MissingTrail>) async throws -> T
    ) async throws -> T {
        func opening(_ open: () async throws -> any AuditStoring) async throws -> Result<any AuditStoring, MissingTrail>
        {
            do {
                return .success(try await open())
            } catch AuditStoreError.missing(let path) {
                return .failure(MissingTrail(path: path))
            }
        }
        if case .postgres(let settings) = config.store {
            return try await withPostgres(settings) { backend in
                try await body(
                    try await opening {
                        try await PostgresAuditStore.openForReading(
                            backend, wallClock: SystemClock.now, requireMigrations: requireMigrations)
                    })
            }
        }
        return try await body(
            try await opening {
                try openExistingSQLiteAuditForReading(config, requireMigrations: requireMigrations, mapped: mapped)
            })
    }

    static func openExistingSQLiteAuditForReading(
        _ config: SyncwindowConfiguration, requireMigrations: Bool, mapped: Bool = false
    ) throws -> AuditStore {
        try checkStateDirectoryForReading(config)
        let busyTimeout = try AuditBusyTimeout.fromEnvironment()
        do {
            return try AuditStore.openForReading(
                stateDirectory: config.stateDirectory, busyTimeout: busyTimeout, requireMigrations: requireMigrations,
                mapped: mapped)
        } catch {
            throw openingFailure(error, verb: "read", config)
        }
    }

    /// The store's own errors say what to do; anything else becomes one line naming state_dir.
    private static func openingFailure(_ error: any Error, verb: String, _ config: SyncwindowConfiguration)
        -> any Error
    {
        if error is AuditStoreError { return error }
        let reason =
            String(describing: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "unknown error"
        return CLIFailure(
            "cannot \(verb) the audit trail in \(config.stateDirectory): \(reason) — check state_dir and its permissions"
        )
    }
}

extension Wiring {
    /// Reading needs no write access to state_dir, but one that no pass could ever use, or
    /// that this user cannot look into, is a configuration error (exit 2), not "no trail yet".
    static func checkStateDirectoryForReading(_ config: SyncwindowConfiguration) throws {
        let directory = config.stateDirectory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CLIFailure("\(config.sourceFile): state_dir \(directory) exists but is not a directory")
            }
            guard access(directory, R_OK | X_OK) == 0 else {
                throw CLIFailure(
                    "\(config.sourceFile): state_dir \(directory) is not readable by this user — run as the service user"
                )
            }
        } else if let problem = StateDirectoryCheck.problem(directory) {
            throw CLIFailure(
                "\(config.sourceFile): state_dir \(problem) — set state_dir to a directory this user can write")
        }
    }
}

/// `SYNCWINDOW_DB_BUSY_TIMEOUT`: seconds a write waits for another process's lock on the
/// audit trail (default 60). An ops and test knob: tests set it low to see exit 75 quickly.
enum AuditBusyTimeout {
    static let variable = "SYNCWINDOW_DB_BUSY_TIMEOUT"

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> Duration
    {
        guard let text = environment[variable] else { return AuditStore.defaultBusyTimeout }
        guard let seconds = Double(text), seconds >= 0, seconds <= 3600 else {
            throw CLIFailure("\(variable)='\(Printable.escaped(text))' is not a number of seconds from 0 to 3600")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}

extension CLIFailure {
    /// The one line and exit status of an audit store error (README "Commands": exit codes).
    init(_ error: AuditStoreError) {
        switch error {
        case .busy: self.init(error.description, exitCode: ExitStatus.locked)
        case .missing: self.init(error.description, exitCode: ExitStatus.notConverged)
        case .needsMigration, .unprotected, .unreadable, .refused, .moved:
            self.init(error.description, exitCode: ExitStatus.usage)
        // Nothing to fix in the config, but nothing will work until someone frees space.
        case .diskFull: self.init(error.description, exitCode: ExitStatus.notConverged)
        // Transient: the next tick tries again. Not 2, which says "fix your config".
        case .unavailable: self.init(error.description, exitCode: ExitStatus.notConverged)
        case .fenced: self.init(error.description, exitCode: ExitStatus.locked)
        }
    }
}
