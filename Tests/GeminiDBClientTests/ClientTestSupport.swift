import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import Logging
import Synchronization
import SyncwindowTestSupport

/// A clock whose sleeps return at once and are recorded.
final class RecordingClock: Clock, Sendable {
    typealias Duration = Swift.Duration
    typealias Instant = ContinuousClock.Instant

    private let sleeps = Mutex<[Swift.Duration]>([])

    var now: Instant { ContinuousClock().now }
    var minimumResolution: Swift.Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Swift.Duration?) async throws {
        let duration = deadline - ContinuousClock().now
        sleeps.withLock { $0.append(duration) }
    }

    var recorded: [Swift.Duration] { sleeps.withLock { $0 } }
}

enum ClientFixture {
    static let fastRetry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    static func credentials(for auth: EmulatorAuth, emulator: RunningEmulator) -> Credentials {
        switch auth {
        case .aksk(let ak, let sk): .aksk(ak: ak, sk: sk)
        case .password(let domain, let user, let password):
            .password(iamEndpoint: emulator.baseURL, domain: domain, user: user, password: password)
        case .token(let token): .token(token)
        case .temporaryKeys: .metadata(endpoint: emulator.baseURL)
        }
    }

    /// A client whose every region points at the emulator.
    static func client(
        _ emulator: RunningEmulator, credentials: Credentials, http: HTTPClient, retry: RetryPolicy = fastRetry,
        timeout: Duration = .seconds(5), concurrency: Int = 8, rateLimit: Double? = nil,
        clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> GeminiDBClient {
        let base = emulator.baseURL
        return GeminiDBClient(
            configuration: .init(
                endpoints: { _ in base }, timeout: timeout, concurrency: concurrency, rateLimit: rateLimit,
                retry: retry, clock: clock, jitter: { $0 }, now: now),
            credentials: credentials, httpClient: http, logger: logger)
    }

    /// Runs `body` with a fresh HTTP client, shut down afterwards.
    static func withHTTP<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let result = try await body(http)
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Polls the status until `predicate` holds (jobs finish lazily, on reads).
    static func waitForStatus(
        _ client: GeminiDBClient, _ instance: InstanceRef, _ expected: DataSyncState, timeout: Duration = .seconds(5)
    ) async throws -> Bool {
        let deadline = ContinuousClock().now + timeout
        while ContinuousClock().now < deadline {
            if try await client.syncStatus(of: instance).state == expected { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
