import ArgumentParser
import Foundation
import GeminiDBClient
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule

/// `syncwindow check`: validate config, schedules and credential files. No API call; with `method: metadata` it
/// fetches the temporary key from the metadata service (an ECS without an agency fails here).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Validate the config, the window files and the credential files (no API call; the temporary key of "
            + "method metadata is fetched).")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Do not connect to the shared store (store.postgres); check only the files.")
    var offline = false

    func run() async throws {
        let (config, host) = try options.loadWithHost()
        let credentials = try CredentialLoader.load(config.cloud)
        if let problem = StateDirectoryCheck.problem(config.stateDirectory) {
            throw CLIFailure(
                "\(config.sourceFile): state_dir \(problem) — set state_dir to a directory this user can write")
        }
        // A config still naming a trail that `audit migrate` moved: every pass would refuse.
        if case .sqlite = config.store,
            let trail = try? Wiring.openExistingSQLiteAuditForReading(config, requireMigrations: false),
            let destination = try? await trail.movedDestination()
        {
            throw CLIFailure(AuditStoreError.moved(path: trail.path, destination: destination))
        }
        let expiries = try await temporaryKeyExpiries(config, credentials: credentials)
        let schedule = Schedule(windows: config.windows)
        let unused = config.pairs.filter { schedule.windows(forPair: $0.name).isEmpty }.map(\.name)
        print("\(config.sourceFile): OK")
        print("  pairs:     \(config.pairs.count) (\(config.pairs.map(\.name).joined(separator: ", ")))")
        print("  windows:   \(config.windows.count) from \(config.schedulesDirectory)")
        print("  auth:      \(Self.authLine(config.cloud.auth, expiresAt: expiries[nil] ?? nil))")
        for (name, auth) in config.cloud.profiles.sorted(by: { $0.key < $1.key }) {
            print("  auth:      profile \(name): \(Self.authLine(auth, expiresAt: expiries[name] ?? nil))")
        }
        if !config.cloud.profiles.isEmpty {
            for pair in config.pairs {
                print(
                    "  sides:     \(pair.name): primary \(Self.sideAuth(pair.primaryProfile, config.cloud)), "
                        + "standby \(Self.sideAuth(pair.standbyProfile, config.cloud))")
            }
        }
        print("  state dir: \(config.stateDirectory)")
        if case .postgres(let settings) = config.store {
            print(
                "  store:     \(settings.displayURL) (tls \(settings.tls.rawValue), lease \(settings.lease.components.seconds)s, margin \(settings.leaseMargin.components.seconds)s)"
            )
            if !offline {
                print("  store:     \(try await storeState(config))")
                if let agreement = try await hostAgreement(config, host: host) {
                    print("  \(agreement.standDown == nil ? "host:   " : "warning:")   \(agreement.line)")
                }
            }
        }
        print("  config sha256: \(config.contentHash)")
        let now = SystemClock.now()
        let zones = Dictionary(config.windows.map { ($0.name, $0.timeZone) }, uniquingKeysWith: { first, _ in first })
        for pair in config.pairs {
            guard let next = schedule.occurrences(forPair: pair.name, startingFrom: now, count: 1).first else {
                continue
            }
            let zone = zones[next.window] ?? .gmt
            print("  next:      \(pair.name): \(next.window) at \(RFC3339.format(next.start, in: zone))")
        }
        // Valid but probably not meant: say so, without failing (exit 0).
        let horizon = now.addingTimeInterval(400 * 86_400)
        for window in config.windows {
            let next = window.nextOccurrence(after: now)
            if let next, next.start < horizon { continue }
            let detail =
                next.map { "next opens \(RFC3339.format($0.start, in: window.timeZone)), over 400 days away" }
                ?? (window.enabled
                    ? "never opens again: past active_until, or every date excepted" : "is disabled (enabled: false)")
            print("  warning:   window '\(window.name)' \(detail)")
        }
        if config.windows.isEmpty {
            print("  warning:   no windows in \(config.schedulesDirectory): pairs only follow overrides")
        }
        for removed in try await removedPairs(config, at: now) {
            let how =
                removed.instances == nil
                ? "put it back in the config until syncwindow has resumed it (the trail does not record its instances)"
                : "the next pass resumes the sides syncwindow paused"
            print(
                "  warning:   pair '\(removed.name)' is no longer in the config while syncwindow holds its pause; \(how)"
            )
        }
        if !unused.isEmpty {
            print("  note: no window covers \(unused.joined(separator: ", ")); they only follow overrides")
        }
    }

    /// What one auth method holds on this host, and when its temporary key expires where one was fetched.
    static func authLine(_ auth: AuthSettings, expiresAt: Date?) -> String {
        let expiry = expiresAt.map { ", temporary key expires \(RFC3339.format($0, in: .gmt))" } ?? ""
        switch auth {
        case .metadata(let endpoint):
            return "metadata (ECS agency via \((endpoint ?? Credentials.metadataEndpoint).absoluteString), "
                + "no secret on this host)\(expiry)"
        case .temporaryKeyFiles:
            return "aksk with security token (temporary key files readable and private, read again when they change)"
        default:
            return "\(auth.method), credential files readable and private"
        }
    }

    static func sideAuth(_ profile: String?, _ cloud: CloudSettings) -> String {
        guard let profile else { return "cloud.auth (\(cloud.auth.method))" }
        return "profile \(profile) (\(cloud.profiles[profile]?.method ?? "?"))"
    }

    /// Fetches the temporary key of every `method: metadata` in use (the metadata service only, no API call): an
    /// ECS without an agency fails here, exit 2. Expiry by profile (nil: `cloud.auth`).
    func temporaryKeyExpiries(
        _ config: SyncwindowConfiguration, credentials: ClientCredentials
    ) async throws -> [String?: Date?] {
        let usesMetadata = ([config.cloud.auth] + config.cloud.profiles.values).contains {
            if case .metadata = $0 { return true }
            return false
        }
        guard usesMetadata else { return [:] }
        let logger = Log.logger()
        let expiries = try await Wiring.withHTTP(config) { http in
            try await Wiring.prepare(Wiring.makeClient(config, credentials: credentials, http: http, logger: logger))
        }
        if expiries.isEmpty {
            throw CLIFailure(
                "cloud.auth: method metadata, but no temporary key came from the metadata service — check that it "
                    + "is reachable from this host (http://169.254.169.254, or cloud.auth.metadata_endpoint)",
                exitCode: ExitStatus.notConverged)
        }
        return Dictionary(expiries.map { ($0.profile, $0.expiresAt) }, uniquingKeysWith: { first, _ in first })
    }

    /// Connects to the shared store and says what it holds; one that cannot be reached (or
    /// refuses the role) is a configuration problem here: exit 2.
    func storeState(_ config: SyncwindowConfiguration) async throws -> String {
        do {
            let problems = try await Wiring.withExistingAuditForReading(config, requireMigrations: false) {
                try await $0.schemaProblems()
            }
            guard problems.isEmpty else { return "reachable; the trail \(problems.joined(separator: "; it "))" }
            return "reachable, schema current"
        } catch AuditStoreError.missing {
            return "reachable and empty: the first pass creates the trail"
        } catch let error as AuditStoreError {
            throw CLIFailure(error.description + " (check store.postgres, or run check --offline)")
        }
    }

    /// Whether this host's clock and configuration agree with the shared store's (what a pass
    /// would find before acting); nil when there is no trail yet.
    func hostAgreement(_ config: SyncwindowConfiguration, host: String) async throws -> HostAgreement? {
        do {
            return try await Wiring.withExistingAuditForReading(config, requireMigrations: false) { audit in
                try await HostAgreement.check(config, host: host, audit: audit)
            }
        } catch AuditStoreError.missing {
            return nil
        }
    }

    /// Pairs the trail says syncwindow still holds paused that the config no longer names.
    /// Read only from an existing trail: `check` never creates one.
    func removedPairs(_ config: SyncwindowConfiguration, at now: Date) async throws -> [RemovedPair] {
        if case .postgres = config.store, offline { return [] }
        // Only the event table is read, which every trail version has: no migration needed.
        do {
            return try await Wiring.withExistingAuditForReading(config, requireMigrations: false) { audit in
                try await RemovedPairs.find(configuration: config, at: now, in: audit)
            }
        } catch AuditStoreError.missing {
            return []
        }
    }
}
