import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBEmulator
import Logging
import Synchronization
import SyncwindowTestSupport
import Testing

@testable import GeminiDBClient

@Suite("Temporary keys: the metadata service, refresh before expiry, one fetch for all callers")
struct TemporaryKeyTests {
    typealias F = EmulatorFixtures
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    static func metadataRequests(_ emulator: RunningEmulator) async -> [EmulatorRequestLogEntry] {
        await emulator.engine.requests().filter { !$0.path.hasPrefix("/v3/") }
    }

    static func apiRequests(_ emulator: RunningEmulator) async -> [EmulatorRequestLogEntry] {
        await emulator.engine.requests().filter { $0.path.hasPrefix("/v3/") }
    }

    /// An emulator playing the metadata service with keys of `lifetime` seconds, a client fetching from it, both on
    /// one simulated clock.
    static func withMetadata(
        lifetime: Int = 3600, _ body: (RunningEmulator, GeminiDBClient, SimulatedClock) async throws -> Void
    ) async throws {
        let clock = SimulatedClock(start: start)
        try await EmulatorHarness.withEmulator(auth: .temporaryKeys(accepting: []), now: clock.wallNow) { emulator in
            await emulator.engine.setMetadata(EmulatorMetadata(keyLifetimeSeconds: lifetime))
            try await ClientFixture.withHTTP { http in
                let client = ClientFixture.client(
                    emulator, credentials: .metadata(endpoint: emulator.baseURL), http: http, clock: clock,
                    now: clock.wallNow)
                try await body(emulator, client, clock)
            }
        }
    }

    @Test("refresh: 40 minutes before expiry, half way through a key shorter than 80 minutes, never after it")
    func refreshRule() {
        let fetched = Self.start
        let day = fetched.addingTimeInterval(24 * 3600)
        #expect(TemporaryKeyCache.refreshAfter(expiresAt: day, fetchedAt: fetched) == day.addingTimeInterval(-2400))
        let short = fetched.addingTimeInterval(60)
        #expect(TemporaryKeyCache.refreshAfter(expiresAt: short, fetchedAt: fetched) == fetched.addingTimeInterval(30))
        let expired = fetched.addingTimeInterval(-5)
        #expect(TemporaryKeyCache.refreshAfter(expiresAt: expired, fetchedAt: fetched) == expired)
        #expect(TemporaryKeyCache.refreshAfter(expiresAt: nil, fetchedAt: fetched) == nil)
    }

    @Test("the cache: one fetch for concurrent callers, a new one when due, when refused, or when the files change")
    func cacheOnTheInjectedClock() async throws {
        let clock = SimulatedClock(start: Self.start)
        let fetches = Mutex(0)
        let stamp = Mutex("v1")
        let cache = TemporaryKeyCache(now: clock.wallNow, changeStamp: { stamp.withLock { $0 } }) {
            () throws(GeminiDBError) in
            let count = fetches.withLock {
                $0 += 1
                return $0
            }
            // Slow enough that every caller finds this fetch in flight.
            try? await clock.sleep(for: .milliseconds(10))
            return TemporaryKey(
                accessKey: Secret("AK\(count)"), secretKey: Secret("SK\(count)"), securityToken: Secret("T\(count)"),
                expiresAt: clock.wallNow().addingTimeInterval(3600))
        }
        let keys = try await withThrowingTaskGroup(of: TemporaryKey.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.key() } }
            return try await group.reduce(into: [TemporaryKey]()) { $0.append($1) }
        }
        #expect(fetches.withLock { $0 } == 1)
        #expect(Set(keys.map(\.accessKey.exposedValue)) == ["AK1"])

        clock.advance(by: .seconds(1799))
        #expect(try await cache.key().accessKey.exposedValue == "AK1")
        clock.advance(by: .seconds(2))  // past half of the hour's life
        let second = try await cache.key()
        #expect(second.accessKey.exposedValue == "AK2")

        await cache.invalidate(keys[0])  // an old key: nothing happens
        #expect(try await cache.key().accessKey.exposedValue == "AK2")
        await cache.invalidate(second)
        #expect(try await cache.key().accessKey.exposedValue == "AK3")

        stamp.withLock { $0 = "v2" }
        #expect(try await cache.key().accessKey.exposedValue == "AK4")
        #expect(fetches.withLock { $0 } == 4)
    }

    @Test("metadata: a session token, then the key; 20 concurrent calls fetch it once and send its security token")
    func oneFetchForConcurrentCalls() async throws {
        try await Self.withMetadata { emulator, client, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        _ = try await client.syncStatus(of: index.isMultiple(of: 2) ? F.primary : F.standby)
                    }
                }
                try await group.waitForAll()
            }
            let metadata = await Self.metadataRequests(emulator)
            #expect(
                metadata.map { "\($0.method) \($0.path) \($0.status ?? 0)" } == [
                    "PUT /meta-data/latest/api/token 200", "GET /openstack/latest/securitykey 200",
                ])
            let api = await Self.apiRequests(emulator)
            #expect(api.count == 20 && api.allSatisfy { $0.status == 200 && $0.auth == "temporary-key" })
        }
    }

    @Test("a run spanning the key's expiry refreshes before it: no request is refused")
    func spansExpiry() async throws {
        try await Self.withMetadata(lifetime: 60) { emulator, client, clock in
            for _ in 0..<12 {
                _ = try await client.syncStatus(of: F.primary)
                clock.advance(by: .seconds(20))
            }
            let keyFetches = await Self.metadataRequests(emulator).filter { $0.path.hasSuffix("securitykey") }
            // A 60 s key is used for 30 s: calls every 20 s from 0 to 220 s take keys at 0, 40, 80, 120, 160, 200.
            #expect(keyFetches.count == 6)
            #expect(await Self.apiRequests(emulator).allSatisfy { $0.status == 200 })
        }
    }

    @Test("a revoked key is refused once, fetched again, and the call goes through")
    func revokedKey() async throws {
        try await Self.withMetadata { emulator, client, _ in
            _ = try await client.syncStatus(of: F.primary)
            await emulator.engine.revokeTokens()
            #expect(try await client.syncStatus(of: F.primary).state == .syncing)
            #expect(await Self.apiRequests(emulator).map(\.status) == [200, 401, 200])
        }
    }

    @Test("no agency: one error saying so, and no API call")
    func noAgency() async throws {
        try await Self.withMetadata { emulator, client, _ in
            await emulator.engine.setMetadata(EmulatorMetadata(agency: false))
            do {
                _ = try await client.prepareCredentials()
                Issue.record("expected no agency")
            } catch {
                #expect((error as? GeminiDBError)?.apiCode == GeminiDBClient.noAgencyCode)
                #expect("\(error)".contains("no cloud service agency"), "\(error)")
            }
            #expect(await Self.apiRequests(emulator).isEmpty)
        }
    }

    @Test("an unreachable metadata service is retried with backoff like any connection, then a transport error")
    func unreachableIsRetried() async throws {
        // A port nothing listens on: bound, then closed.
        let closed = try await EmulatorHarness.withEmulator { $0.baseURL }
        // The production HTTP clients: a refused connection fails at once, and `RetryPolicy` alone retries it.
        try await GeminiDBHTTP.with(NetworkOptions()) { http in
            let clock = RecordingClock()
            let client = GeminiDBClient(
                configuration: .init(
                    endpoints: { _ in closed }, timeout: .seconds(2), retry: ClientFixture.fastRetry, clock: clock,
                    jitter: { $0 }),
                credentials: .metadata(endpoint: closed), http: http,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            do {
                _ = try await client.prepareCredentials()
                Issue.record("expected a transport error")
            } catch {
                guard case .transport = error as? GeminiDBError else { Issue.record("unexpected \(error)"); return }
            }
            // fastRetry: four attempts of the session token's PUT, three backoffs between them.
            #expect(clock.recorded.count == 3)
        }
    }

    @Test("a metadata service without session tokens: the key is fetched without one")
    func noSessionTokens() async throws {
        try await Self.withMetadata { emulator, client, _ in
            await emulator.engine.setMetadata(EmulatorMetadata(sessionTokens: false))
            let state = try await client.syncStatus(of: F.primary).state
            #expect(state == .syncing)
            let metadata = await Self.metadataRequests(emulator).map { "\($0.method) \($0.status ?? 0)" }
            #expect(metadata == ["PUT 404", "GET 200"])
        }
    }

    @Test("the emulator refuses a temporary key without its security token, or with another one")
    func securityTokenChecked() async throws {
        try await Self.withMetadata { emulator, _, clock in
            let issued = await emulator.engine.issueTemporaryKey().credential
            try await ClientFixture.withHTTP { http in
                for token in [nil, "not-the-token"] {
                    let client = ClientFixture.client(
                        emulator,
                        credentials: .keyFiles(
                            TemporaryKeyFiles(paths: []) {
                                TemporaryKey(
                                    accessKey: Secret(issued.access), secretKey: Secret(issued.secret),
                                    securityToken: token.map(Secret.init))
                            }), http: http, now: clock.wallNow)
                    await #expect(throws: GeminiDBError.self) { _ = try await client.syncStatus(of: F.primary) }
                }
            }
            #expect(await Self.apiRequests(emulator).map(\.status) == [401, 401, 401, 401])
        }
    }
}
