import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import Logging
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler

/// Wires the production parts for commands that reach the cloud: credentials, the HTTP
/// client, the audit store and the reconciler. Everything is validated before any API
/// call, so a bad config or credential exits 2 having called nothing.
enum Session {
    static func withReconciler<T>(
        _ config: SyncwindowConfiguration, logger: Logger, _ body: (Reconciler) async throws -> T
    ) async throws -> T {
        let credentials = try CredentialLoader.load(config.cloud.auth)
        let audit = try openAudit(config)
        return try await HTTPClient.withHTTPClient { http in
            try await body(makeReconciler(config, credentials: credentials, audit: audit, http: http, logger: logger))
        }
    }

    static func makeReconciler(
        _ config: SyncwindowConfiguration, credentials: Credentials, audit: AuditStore, http: HTTPClient,
        logger: Logger
    ) -> Reconciler {
        let client = GeminiDBClient(
            configuration: clientConfiguration(config.cloud, credentials: credentials), credentials: credentials,
            httpClient: http, logger: logger)
        return Reconciler(configuration: config, cloud: client, audit: audit, logger: logger)
    }

    static func clientConfiguration(_ cloud: CloudSettings, credentials: Credentials) -> GeminiDBClient.Configuration {
        var iamEndpoint: URL?
        if case .password(let endpoint, _, _, _) = credentials { iamEndpoint = endpoint }
        return GeminiDBClient.Configuration(
            endpoints: cloud.endpoints, iamEndpoint: iamEndpoint, timeout: cloud.timeout, concurrency: cloud.concurrency
        )
    }

    static func openAudit(_ config: SyncwindowConfiguration) throws -> AuditStore {
        // Nothing was done yet: like a config error, these are exit 2.
        if let problem = StateDirectoryCheck.problem(config.stateDirectory) {
            throw CLIFailure("\(config.sourceFile): state_dir \(problem) — set state_dir to a directory this user can write")
        }
        do {
            return try AuditStore.open(stateDirectory: config.stateDirectory, wallClock: SystemClock.now)
        } catch {
            let reason = String(describing: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "unknown error"
            throw CLIFailure("cannot open the audit trail in \(config.stateDirectory): \(reason) — check state_dir and its permissions")
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
