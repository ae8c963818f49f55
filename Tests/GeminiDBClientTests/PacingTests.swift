import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import SyncwindowTestSupport
import Testing

/// `cloud.rate_limit`'s arithmetic: the token bucket of one API of one project, how a 429 slows it down and how
/// it climbs back, on seconds of a simulated clock.
@Suite("pacing to the gateway's quota")
struct PacingTests {
    /// The waits of `count` calls asked for together at `now`.
    static func waits(_ bucket: inout PacingBucket, _ count: Int, at now: Double) -> [Double] {
        (0..<count).map { _ in bucket.reserve(at: now) }
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

    @Test("calls asked together go a tenth of a second's worth at once, then one interval apart")
    func burstThenInterval() {
        var bucket = PacingBucket(ceiling: 100, at: 0)
        let waits = Self.waits(&bucket, 100, at: 0)
        #expect(waits.prefix(10).allSatisfy { $0 == 0 })
        #expect(Self.close(waits[10], 0.01) && Self.close(waits[11], 0.02))
        // 100 calls take 0.9 s: the rate, not the burst, sets the pace
        #expect(Self.close(waits[99], 0.90))
    }

    @Test("an idle spell gives the burst back, never more")
    func idleRefills() {
        var bucket = PacingBucket(ceiling: 100, at: 0)
        _ = Self.waits(&bucket, 50, at: 0)
        let later = Self.waits(&bucket, 12, at: 10)
        #expect(later.prefix(10).allSatisfy { $0 == 0 })
        #expect(Self.close(later[10], 0.01) && Self.close(later[11], 0.02))
    }

    @Test("a 429 holds the whole bucket for Retry-After, halves the rate, and the queue restarts without a burst")
    func throttledHoldsAndHalves() {
        var bucket = PacingBucket(ceiling: 100, at: 0)
        let before = bucket.generation
        bucket.throttled(at: 0.5, retryAfter: 1)
        #expect(bucket.generation == before + 1, "calls queued at the old pace queue again")
        #expect(bucket.rate(at: 0.5) == 50)
        let waits = Self.waits(&bucket, 3, at: 0.5)
        #expect(Self.close(waits[0], 1.0))
        #expect(Self.close(waits[1], 1.02) && Self.close(waits[2], 1.04))
    }

    @Test("429s of calls already in flight cut once; each still extends the hold")
    func oneCutPerQuietSecond() {
        var bucket = PacingBucket(ceiling: 100, at: 0)
        bucket.throttled(at: 0, retryAfter: 1)
        bucket.throttled(at: 0.2, retryAfter: 1)
        bucket.throttled(at: 0.9, retryAfter: 1)
        #expect(bucket.rate(at: 0.9) == 50)
        #expect(Self.close(bucket.blockedUntil, 1.9))
        bucket.throttled(at: 1.0, retryAfter: nil)
        #expect(bucket.rate(at: 1.0) == 25)
    }

    @Test("after a quiet second the rate climbs a tenth of the ceiling a second, up to the ceiling")
    func climbsBack() {
        var bucket = PacingBucket(ceiling: 100, at: 0)
        bucket.throttled(at: 0, retryAfter: nil)
        #expect(bucket.rate(at: 1.0) == 50)
        #expect(Self.close(bucket.rate(at: 2.0), 60))
        #expect(Self.close(bucket.rate(at: 4.5), 85))
        #expect(bucket.rate(at: 6.0) == 100)
        #expect(bucket.rate(at: 60) == 100)
    }

    @Test("cuts stop at a twentieth of the ceiling")
    func floorRate() {
        var bucket = PacingBucket(ceiling: 100, at: 0)
        for second in 0..<10 { bucket.throttled(at: Double(second), retryAfter: nil) }
        #expect(bucket.rate(at: 9) == 5)
    }

    @Test("a ceiling under ten calls a second still lets one call through at once")
    func smallCeiling() {
        var bucket = PacingBucket(ceiling: 2, at: 0)
        #expect(bucket.burst == 1)
        #expect(Self.waits(&bucket, 3, at: 0) == [0, 0.5, 1.0])
    }

    @Test("the limiter keeps a bucket per endpoint, project and API, on the client's clock")
    func limiterBuckets() async {
        let clock = SimulatedClock(start: Date(timeIntervalSince1970: 0))
        let limiter = RateLimiter(callsPerSecond: 10, clock: clock)
        let status = RateLimiter.Key(endpoint: "https://a", projectID: "p1", api: "GET status")
        let post = RateLimiter.Key(endpoint: "https://a", projectID: "p1", api: "POST status")
        let otherProject = RateLimiter.Key(endpoint: "https://a", projectID: "p2", api: "GET status")
        #expect(await limiter.reserve(status).wait == .zero)
        #expect(await limiter.reserve(status).wait == .milliseconds(100))
        #expect(await limiter.reserve(post).wait == .zero)
        #expect(await limiter.reserve(otherProject).wait == .zero)
        // A 429 on one bucket voids the reservations made in it, and only in it
        let queued = await limiter.reserve(status)
        let elsewhere = await limiter.reserve(post)
        await limiter.throttled(status, retryAfter: .seconds(2))
        #expect(await !limiter.holds(queued, for: status))
        #expect(await limiter.holds(elsewhere, for: post))
        #expect(await limiter.reserve(status).wait == .seconds(2))
        #expect(await limiter.rate(status) == 5)
        clock.advance(by: .seconds(3))
        #expect(await limiter.rate(status) == 7)
        #expect(await limiter.rate(post) == 10)
    }

    @Test("paced, a throttled call queues again in its bucket without using up its attempts")
    func throttledRetriesKeepTheirAttempts() async throws {
        let faults = EmulatorFaults(throttleBurst: 3, retryAfterSeconds: 1, jobDelayMilliseconds: 0)
        try await EmulatorHarness.withEmulator(faults: faults) { emulator in
            try await ClientFixture.withHTTP { (http: HTTPClient) async throws -> Void in
                // Given a client allowed 2 attempts, paced at 50 calls a second
                let clock = RecordingClock()
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: EmulatorFixtures.accessKey, sk: EmulatorFixtures.secretKey),
                    http: http, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)), rateLimit: 50,
                    clock: clock)
                // When the gateway throttles three times, Then the read still succeeds
                #expect(try await client.syncStatus(of: EmulatorFixtures.primary).state == .syncing)
                let statuses = await emulator.engine.requests().map(\.status)
                #expect(statuses == [429, 429, 429, 200])
                // And each retry waited for its bucket to sit out the Retry-After
                #expect(clock.recorded.count == 3)
                #expect(clock.recorded.allSatisfy { $0 > .milliseconds(900) && $0 <= .seconds(1) }, "\(clock.recorded)")
            }
        }
    }

    @Test("paced, a call throttled past its throttle budget fails as throttled")
    func throttleBudget() async throws {
        let faults = EmulatorFaults(throttleBurst: 10, retryAfterSeconds: 1, jobDelayMilliseconds: 0)
        try await EmulatorHarness.withEmulator(faults: faults) { emulator in
            try await ClientFixture.withHTTP { (http: HTTPClient) async throws -> Void in
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: EmulatorFixtures.accessKey, sk: EmulatorFixtures.secretKey),
                    http: http, retry: RetryPolicy(maxAttempts: 4, throttleBudget: .zero), rateLimit: 50,
                    clock: RecordingClock())
                await #expect(throws: GeminiDBError.throttled(retryAfter: .seconds(1))) {
                    try await client.syncStatus(of: EmulatorFixtures.primary)
                }
                #expect(await emulator.engine.requests().count == 1)
            }
        }
    }
}
