import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import GeminiDBClient
import GeminiDBEmulator
import SyncwindowTestSupport
import Testing

/// Answers that trapped the client under `FuzzCloudDecoding` (README "Fuzzing"); the inputs are in
/// `Fuzz/corpus/FuzzCloudDecoding/crash-*`.
@Suite("Client: answers found by fuzzing")
struct ClientFuzzRegressionTests {
    typealias F = EmulatorFixtures

    @Test(
        "a 429 with an unusable or enormous Retry-After is throttling, not a trap",
        arguments: [
            ("1e300", Duration.seconds(86_400)), ("9223372036854775807", .seconds(86_400)), ("nan", nil),
            ("inf", nil), ("-5", nil), ("soon", nil), ("2", .seconds(2)),
        ] as [(String, Duration?)])
    func retryAfter(header: String, asked: Duration?) {
        // Given a 429 whose Retry-After is `header`
        let reading = AnswerReading(httpClient: HTTPClient.shared)
        // When the client reads it
        let result = reading.read(
            status: 429, headers: [("Retry-After", header)], body: [], operation: .syncStatus, attempt: 1)
        // Then it is throttling, with the delay asked for when there is a usable one (at most a day)
        #expect(result.failure == .throttled(retryAfter: asked))
    }

    @Test("an emulator asking to retry after Int.max seconds: the client waits at most maxRetryAfter")
    func enormousRetryAfterEndToEnd() async throws {
        // Given an emulator that throttles with Retry-After: 9223372036854775807
        let faults = EmulatorFaults(throttleBurst: 10, retryAfterSeconds: Int.max)
        try await EmulatorHarness.withEmulator(faults: faults) { emulator in
            try await ClientFixture.withHTTP { http in
                let clock = RecordingClock()
                let client = ClientFixture.client(
                    emulator, credentials: .aksk(ak: F.accessKey, sk: F.secretKey), http: http,
                    retry: RetryPolicy(maxAttempts: 2, maxRetryAfter: .seconds(30)), clock: clock)
                // When it reads the status, Then it gives up throttled after one capped wait
                await #expect(throws: GeminiDBError.throttled(retryAfter: .seconds(86_400))) {
                    try await client.syncStatus(of: F.primary)
                }
                #expect(clock.recorded.count == 1)
                #expect(clock.recorded.allSatisfy { $0 > .seconds(29) && $0 <= .seconds(30) })
            }
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
