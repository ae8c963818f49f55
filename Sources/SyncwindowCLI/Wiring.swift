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
        _ config: SyncwindowConfiguration, logger: Logger, _ body: (Reconciler) async throws -> T
    ) async throws -> T {
        let credentials = try CredentialLoader.load(config.cloud.auth)
        let store = try await openStore(config)
        return try await withHTTP(config) { http in
            try await body(makeReconciler(config, credentials: credentials, store: store, http: http, logger: logger))
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

    static func makeReconciler(
        _ config: SyncwindowConfiguration, credentials: Credentials, store: OpenedStore, http: GeminiDBHTTP,
        logger: Logger
    ) -> Reconciler {
        let client = GeminiDBClient(
            configuration: clientConfiguration(config.cloud, credentials: credentials), credentials: credentials,
            http: http, logger: logger)
        return Reconciler(
            configuration: config, cloud: client, audit: store.audit, logger: logger, locks: store.locks,
            sharedStore: store.sharedStore)
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
    /// created and migrated if needed, refused if their append-only guarantees are gone.
    static func openStore(_ config: SyncwindowConfiguration) async throws -> OpenedStore {
        switch config.store {
        case .sqlite:
            return OpenedStore(audit: try openAudit(config), locks: nil)
        case .postgres(let settings):
            let backend = try postgresBackend(settings)
            let audit = try await PostgresAuditStore.open(
                backend, wallClock: SystemClock.now, host: HostIdentity.current)
            return OpenedStore(
                audit: audit, locks: PostgresPairLeases(backend: backend, host: HostIdentity.current),
                sharedStore: sharedStoreGuard(audit, settings: settings))
        }
    }

    /// What a host checks against a shared store before it acts: its clock (by the store's
    /// `clock_timestamp()`, this host's real clock around it) and its configuration.
    static func sharedStoreGuard(_ store: PostgresAuditStore, settings: PostgresSettings) -> SharedStoreGuard {
        let tolerance = settings.maxClockSkew.components
        return SharedStoreGuard(
            host: HostIdentity.current,
            maxClockSkew: Double(tolerance.seconds) + Double(tolerance.attoseconds) / 1e18
        ) {
            let reading = try await store.readClock(hostClock: SystemClock.now)
            return StoreClockReading(
                storeNow: reading.storeNow, sentAt: reading.sentAt, answeredAt: reading.answeredAt,
                rehearsal: reading.rehearsal)
        }
    }

    /// The connection pool of `store.postgres`, for the life of the command. The password
    /// file follows the rules of every secret file (exit 2 before anything connects).
    static func postgresBackend(_ settings: PostgresSettings) throws -> PostgresBackend {
        var password: Secret?
        if let file = settings.passwordFile {
            do {
                password = try SecretFile.read(file)
            } catch {
                throw CLIFailure(error.description)
            }
        }
        return PostgresBackend.start(
            settings, password: password?.exposedValue, logger: Log.logger("syncwindow.store"))
    }

    /// Opens the SQLite trail for a pass: creates and migrates it if needed, and refuses one
    /// whose append-only guarantees are gone.
    static func openAudit(_ config: SyncwindowConfiguration) throws -> AuditStore {
        // Nothing was done yet: like a config error, these are exit 2.
        if let problem = StateDirectoryCheck.problem(config.stateDirectory) {
            throw CLIFailure(
                "\(config.sourceFile): state_dir \(problem) — set state_dir to a directory this user can write")
        }
        let busyTimeout = try AuditBusyTimeout.fromEnvironment()
        do {
            return try AuditStore.open(
                stateDirectory: config.stateDirectory, wallClock: SystemClock.now, busyTimeout: busyTimeout,
                host: HostIdentity.current)
        } catch {
            throw openingFailure(error, verb: "open", config)
        }
    }

    /// Opens the trail for a reading command (status, audit, report): read-only, never
    /// creating or migrating anything. With no trail yet it says so on stderr and reads an
    /// empty one, so the command still shows the configured pairs.
    /// `mapped`: the command probes the trail pair by pair (`status`) rather than reading it all.
    static func openAuditForReading(_ config: SyncwindowConfiguration, mapped: Bool = false) async throws
        -> any AuditStoring
    {
        do {
            return try await openExistingAuditForReading(config, requireMigrations: true, mapped: mapped)
        } catch AuditStoreError.missing(let path) {
            FileHandle.standardError.write(
                Data("syncwindow: no audit trail at \(Printable.escaped(path)) yet (no pass has run)\n".utf8))
            switch config.store {
            case .sqlite: return try AuditStore.empty(path: path)
            case .postgres: return InMemoryAuditStore(location: path, wallClock: SystemClock.now)
            }
        }
    }

    /// Opens an existing trail read-only; `AuditStoreError.missing` when there is none.
    static func openExistingAuditForReading(
        _ config: SyncwindowConfiguration, requireMigrations: Bool, mapped: Bool = false
    ) async throws -> any AuditStoring {
        if case .postgres(let settings) = config.store {
            return try await PostgresAuditStore.openForReading(
                try postgresBackend(settings), wallClock: SystemClock.now, requireMigrations: requireMigrations)
        }
        return try openExistingSQLiteAuditForReading(config, requireMigrations: requireMigrations, mapped: mapped)
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

/// Reads the secrets `cloud.auth` names into the client's credentials. A missing or unsafe
/// file is a usage error (exit 2), raised before any API call.
enum CredentialLoader {
    static func load(_ auth: AuthSettings) throws -> Credentials {
        do {
            switch auth {
            case .aksk(let accessKeyFile, let secretKeyFile):
                return .aksk(ak: try SecretFile.read(accessKeyFile), sk: try SecretFile.read(secretKeyFile))
            case .password(let iamEndpoint, let domain, let user, let passwordFile):
                return .password(
                    iamEndpoint: iamEndpoint, domain: domain, user: user, password: try SecretFile.read(passwordFile))
            case .token(let tokenFile):
                return .token(try SecretFile.read(tokenFile))
            }
        } catch {
            throw CLIFailure(error.description)
        }
    }
}
