import Foundation

/// The transport's side of `cloud.rate_limit` (``RateLimiter``).
extension HTTPTransport {
    /// The bucket `call` draws on; nil for calls the gateway does not meter per project (IAM's token request).
    func pacingKey(_ call: Call) -> RateLimiter.Key? {
        guard let api = call.api, let projectID = call.instance?.projectID else { return nil }
        return RateLimiter.Key(endpoint: call.baseURL.absoluteString, projectID: projectID, api: api)
    }

    /// Waits for `call`'s slot in its bucket, before it takes a concurrency slot: a paced call waiting holds
    /// nothing. A 429 that reset the bucket meanwhile sends it to queue again.
    func pace(_ call: Call) async throws(GeminiDBError) {
        guard let pacing, let key = pacingKey(call) else { return }
        while true {
            let reservation = await pacing.reserve(key)
            guard reservation.wait > .zero else { return }
            do {
                try await configuration.clock.sleep(for: reservation.wait, tolerance: nil)
            } catch {
                throw .cancelled
            }
            if await pacing.holds(reservation, for: key) { return }
        }
    }

    /// How long one paced call has been throttled: its retries go on until ``RetryPolicy/throttleBudget`` has
    /// passed since its first 429.
    struct ThrottledRetries {
        private var firstAt: Duration?

        mutating func mayRetry(_ pacing: RateLimiter, within budget: Duration) async -> Bool {
            let now = await pacing.now()
            let first = firstAt ?? now
            firstAt = first
            return now - first < budget
        }
    }
}
