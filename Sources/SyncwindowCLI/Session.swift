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
        let credentials: LoadedCredentials
        do {
            credentials = try LoadedCredentials.load(config.cloud.auth)
        } catch {
            throw CLIFailure(error.description)
        }
        let audit = try openAudit(config)
        return try await HTTPClient.withHTTPClient { http in
            let client = GeminiDBClient(
                configuration: .init(settings: config.cloud), credentials: .init(credentials), httpClient: http,
                logger: logger)
            let reconciler = Reconciler(configuration: config, cloud: client, audit: audit, logger: logger)
            return try await body(reconciler)
        }
    }

    static func openAudit(_ config: SyncwindowConfiguration) throws -> AuditStore {
        do {
            return try AuditStore.open(stateDirectory: config.stateDirectory, wallClock: { Date() })
        } catch {
            throw CLIFailure("cannot open the audit trail in \(config.stateDirectory): \(error)", exitCode: ExitStatus.notConverged)
        }
    }
}
