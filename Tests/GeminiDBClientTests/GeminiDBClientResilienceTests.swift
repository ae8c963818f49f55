import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import SyncwindowTestSupport
import Testing

@Suite("GeminiDB client: retries, tokens, timeouts, concurrency")
struct GeminiDBClientResilienceTests {
    typealias F = EmulatorFixtures
    static let aksk = Credentials.aksk(ak: F.accessKey, sk: F.secretKey)

    func apiRequests(_ emulator: RunningEmulator) async -> [EmulatorRequestLogEntry] {
        await emulator.engine.requests().filter { $0.path != "/v3/auth/tokens" }
    }

    @Test("5xx answers are retried with backoff until one succeeds")
    func retriesServerErrors() async throws {
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(errorRate: 1, jobDelayMilliseconds: 0)) {
            emulator in
            try await ClientFixture.withHTTP { http in
                let clock = RecordingClock()
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http, clock: clock)
                do {
                    _ = try await client.syncStatus(of: F.primary)
                    Issue.record("expected a failure")
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    #expect(error.isRetryable)
                    guard case .api(500, _, _, _) = error else { Issue.record("unexpected \(error)"); return }
                }
                #expect(await apiRequests(emulator).count == 4)
                // jitter is the identity here: 1 ms, 2 ms, 4 ms.
                #expect(clock.recorded.count == 3)
                #expect(clock.recorded.allSatisfy { $0 <= .milliseconds(5) })

                await emulator.engine.setFaults(EmulatorFaults(errorRate: 0.5, jobDelayMilliseconds: 0))
                await emulator.engine.clearRequests()
                let generous = ClientFixture.client(
                    emulator, credentials: Self.aksk, http: http,
                    retry: RetryPolicy(maxAttempts: 30, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)),
                    clock: clock)
                #expect(try await generous.syncStatus(of: F.primary).state == .syncing)
            }
        }
    }

    @Test("429 honours Retry-After, then succeeds")
    func throttled() async throws {
        try await EmulatorHarness.withEmulator(
            faults: EmulatorFaults(throttleBurst: 2, retryAfterSeconds: 2, jobDelayMilliseconds: 0)
        ) { emulator in
            try await ClientFixture.withHTTP { (http: HTTPClient) async throws -> Void in
                let clock = RecordingClock()
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http, clock: clock)
                #expect(try await client.syncStatus(of: F.primary).state == .syncing)
                let statuses = await apiRequests(emulator).map(\.status)
                #expect(statuses == [429, 429, 200])
                #expect(clock.recorded.count == 2)
                #expect(clock.recorded.allSatisfy { $0 > .milliseconds(1900) && $0 <= .seconds(2) })
            }
        }
    }

    @Test("429 past the last attempt becomes .throttled with the asked delay")
    func throttledExhausted() async throws {
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(throttleBurst: 10, retryAfterSeconds: 1)) {
            emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: Self.aksk, http: http,
                    retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1)),
                    clock: RecordingClock())
                await #expect(throws: GeminiDBError.throttled(retryAfter: .seconds(1))) {
                    try await client.syncStatus(of: F.primary)
                }
            }
        }
    }

    @Test("400 and 403 refusals are not retried")
    func noRetryOn4xx() async throws {
        try await EmulatorHarness.withEmulator { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http, clock: RecordingClock())
                await #expect(throws: GeminiDBError.self) {
                    try await client.setDataSynchronization(.resume, on: F.primary)
                }
                #expect(await apiRequests(emulator).map(\.status) == [403])
            }
        }
    }

    @Test("a revoked token is fetched again once, and the call succeeds")
    func tokenRefetchOnRevocation() async throws {
        try await EmulatorHarness.withEmulator(auth: F.passwordAuth) { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: ClientFixture.credentials(for: F.passwordAuth, emulator: emulator),
                    http: http)
                #expect(try await client.syncStatus(of: F.primary).state == .syncing)
                #expect(try await client.syncStatus(of: F.primary).state == .syncing)
                var log = await emulator.engine.requests()
                #expect(log.filter { $0.path == "/v3/auth/tokens" }.count == 1, "token cached")
                await emulator.engine.revokeTokens()
                await emulator.engine.clearRequests()
                #expect(try await client.syncStatus(of: F.primary).state == .syncing)
                log = await emulator.engine.requests()
                #expect(log.map(\.status) == [401, 201, 200])
                // Another region: its own token (scope = region).
                _ = try await client.syncStatus(of: F.standby)
                #expect(await emulator.engine.requests().filter { $0.path == "/v3/auth/tokens" }.count == 2)
            }
        }
    }

    @Test("a cached token is replaced after 20 hours, before it expires, without a 401")
    func tokenRefreshBeforeExpiry() async throws {
        let clock = ManualNow(Date())
        try await EmulatorHarness.withEmulator(auth: F.passwordAuth, now: clock.now) { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: ClientFixture.credentials(for: F.passwordAuth, emulator: emulator),
                    http: http,
                    now: clock.now)
                _ = try await client.syncStatus(of: F.primary)
                clock.advance(by: 19 * 3600)
                _ = try await client.syncStatus(of: F.primary)
                #expect(await emulator.engine.requests().map(\.status) == [201, 200, 200])
                clock.advance(by: 2 * 3600)
                _ = try await client.syncStatus(of: F.primary)
                #expect(await emulator.engine.requests().map(\.status) == [201, 200, 200, 201, 200])
            }
        }
    }

    @Test("a wrong password fails once, without a loop")
    func wrongPassword() async throws {
        try await EmulatorHarness.withEmulator(auth: F.passwordAuth) { emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator,
                    credentials: .password(
                        iamEndpoint: emulator.baseURL, domain: F.domain, user: F.user, password: Secret("Xyzzy-not-it")),
                    http: http)
                do {
                    _ = try await client.syncStatus(of: F.primary)
                    Issue.record("wrong password accepted")
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    guard case .unauthorized = error else { Issue.record("unexpected \(error)"); return }
                    #expect(!"\(error)".contains("Xyzzy"))
                }
                #expect(await emulator.engine.requests().map(\.status) == [401])
            }
        }
    }

    @Test("a GET slower than the timeout fails with .timeout; a slow POST is outcome-unknown, not retried")
    func timeouts() async throws {
        try await EmulatorHarness.withEmulator(
            faults: EmulatorFaults(latencyMilliseconds: 400, jobDelayMilliseconds: 0)
        ) {
            emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: Self.aksk, http: http,
                    retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1)),
                    timeout: .milliseconds(100))
                await #expect(throws: GeminiDBError.timeout) { try await client.syncStatus(of: F.primary) }
                do {
                    _ = try await client.setDataSynchronization(.pause, on: F.primary)
                    Issue.record("expected outcome unknown")
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    #expect(error.outcomeIsUnknown)
                    #expect(!error.isRetryable)
                }
                // The POST did reach the emulator (processed after its latency): exactly once.
                var posts: [EmulatorRequestLogEntry] = []
                for _ in 0..<100 where posts.isEmpty {
                    try await Task.sleep(for: .milliseconds(50))
                    posts = await emulator.engine.requests().filter { $0.method == "POST" }
                }
                try await Task.sleep(for: .milliseconds(100))
                posts = await emulator.engine.requests().filter { $0.method == "POST" }
                #expect(posts.count == 1)
                await emulator.engine.setFaults(EmulatorHarness.instantJobs)
                // The POST took effect: the pair is called on one side, SUSPENDING. Read back with a
                // timeout a loaded machine cannot miss (the 100 ms above is the subject of the test,
                // not of this check).
                let patient = ClientFixture.client(emulator, credentials: Self.aksk, http: http, timeout: .seconds(10))
                #expect(try await patient.syncStatus(of: F.primary).state == .suspending)
            }
        }
    }

    @Test("a dropped connection: GET is retried, POST becomes outcome-unknown")
    func droppedConnections() async throws {
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(dropConnections: 1, jobDelayMilliseconds: 0)) {
            emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http, clock: RecordingClock())
                #expect(try await client.syncStatus(of: F.primary).state == .syncing)
                #expect(await apiRequests(emulator).map(\.dropped) == [true, false])

                await emulator.engine.setFaults(EmulatorFaults(dropConnections: 1, jobDelayMilliseconds: 0))
                do {
                    _ = try await client.setDataSynchronization(.pause, on: F.primary)
                    Issue.record("expected outcome unknown")
                } catch {
                    let error = try #require(error as? GeminiDBError)
                    #expect(error.outcomeIsUnknown, "\(error)")
                }
                // Processed before the drop: the live status tells (one side called: SUSPENDING).
                #expect(try await client.syncStatus(of: F.primary).state == .suspending)
            }
        }
    }

    @Test("the concurrency limit holds across concurrent calls")
    func concurrencyLimit() async throws {
        try await EmulatorHarness.withEmulator(faults: EmulatorFaults(latencyMilliseconds: 50, jobDelayMilliseconds: 0))
        {
            emulator in
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(emulator, credentials: Self.aksk, http: http, concurrency: 2)
                let start = ContinuousClock().now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        group.addTask { _ = try await client.syncStatus(of: F.primary) }
                    }
                    try await group.waitForAll()
                }
                let elapsed = ContinuousClock().now - start
                // 8 calls of ≥50 ms, 2 at a time: at least 4 rounds.
                #expect(elapsed >= .milliseconds(200))
                #expect(await apiRequests(emulator).count == 8)
            }
        }
    }

    @Test("an unreachable endpoint is a transport error, retried, with no secret in the message")
    func unreachable() async throws {
        try await ClientFixture.withHTTP { http in
            let client = GeminiDBClient(
                configuration: .init(
                    endpoints: { _ in URL(string: "http://127.0.0.1:1")! }, timeout: .milliseconds(500),
                    retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1)),
                    clock: RecordingClock()),
                credentials: Self.aksk, httpClient: http, logger: .init(label: "test"))
            do {
                _ = try await client.setDataSynchronization(.pause, on: F.primary)
                Issue.record("expected a failure")
            } catch {
                let error = try #require(error as? GeminiDBError)
                guard case .transport = error else { Issue.record("unexpected \(error)"); return }
                #expect(!"\(error)".contains(F.secretKey.exposedValue))
            }
        }
    }

    @Test("a refused connection fails each attempt at once, not at the deadline: a dead endpoint cannot stall a pass")
    func refusedConnectionFailsFast() async throws {
        let clock = RecordingClock()
        let deadline = Duration.seconds(30)
        let start = ContinuousClock.now
        try await GeminiDBHTTP.with(NetworkOptions()) { http in
            let client = GeminiDBClient(
                configuration: .init(
                    endpoints: { _ in URL(string: "http://127.0.0.1:1")! }, timeout: deadline,
                    retry: RetryPolicy(), clock: clock),
                credentials: Self.aksk, http: http, logger: .init(label: "test"))
            await #expect(throws: GeminiDBError.self) { _ = try await client.syncStatus(of: F.primary) }
        }
        // Every attempt made (the backoffs between them recorded, not slept), and none waited for the
        // deadline, as AsyncHTTPClient's own retrying of the connection would (4 deadlines for one
        // call). All attempts together shorter than one deadline is exactly that, however busy the
        // machine: no margin to tune.
        #expect(clock.recorded.count == RetryPolicy().maxAttempts - 1)
        #expect(ContinuousClock.now - start < deadline)
    }

    @Test("backoff ceilings double up to the maximum")
    func backoffCeilings() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        #expect(
            (1...5).map(policy.ceiling(afterAttempt:)) == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500),
            ])
    }
}
