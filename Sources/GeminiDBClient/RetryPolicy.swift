/// Exponential backoff with full jitter.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (1 = no retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    public var maxRetryAfter: Duration
    /// With pacing (``GeminiDBClient/Configuration/rateLimit``), how long after its first 429 a call may keep
    /// queueing again in its bucket; throttled retries do not count against ``maxAttempts``. The default is the
    /// pass's default job timeout: a call is not throttled for longer than a job may run.
    public var throttleBudget: Duration

    public init(
        maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5),
        maxRetryAfter: Duration = .seconds(30), throttleBudget: Duration = .seconds(300)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.throttleBudget = throttleBudget
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff ceiling before attempt `attempt + 1` (attempt counts from 1): base·2^(attempt-1), capped.
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        var delay = baseDelay
        for _ in 1..<max(1, attempt) {
            delay = delay * 2
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }
}
