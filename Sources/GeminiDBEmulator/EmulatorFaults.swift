/// Injected faults and timing, as `GET/PUT /_emulator/faults` and the command-line flags set them.
/// Missing JSON fields mean "off" (or the default), so a PUT of `{}` clears every fault.
public struct EmulatorFaults: Sendable, Equatable, Codable {
    /// Added before every API answer.
    public var latencyMilliseconds: Int
    /// Share of API requests answered 500, in 0...1.
    public var errorRate: Double
    /// The next N API requests are answered 429 `APIGW.0308`.
    public var throttleBurst: Int
    /// `Retry-After` of those 429 answers, in seconds.
    public var retryAfterSeconds: Int
    /// Share of new jobs that fail, in 0...1.
    public var jobFailureRate: Double
    /// The next N new jobs fail.
    public var failNextJobs: Int
    /// The connection of the next N API requests is closed without an answer.
    public var dropConnections: Int
    /// Whether a dropped request is processed first (`after_processing`: the nasty "did it happen?" case) or not.
    public var dropMode: DropMode
    /// How long a pause/resume job runs.
    public var jobDelayMilliseconds: Int
    /// How long a new job stays invisible to `GET jobs`.
    public var jobVisibilityDelayMilliseconds: Int
    /// The next N pause/resume calls the cloud would accept are answered 202 with a job id, then lost: the job
    /// never appears in the jobs list and no instance changes.
    public var loseNextCalls: Int
    /// Pause/resume calls are carried out at once but their answer is held back this long: the window in which a
    /// client killed (or timing out) knows nothing of a call the cloud took.
    public var holdCallAnswersMilliseconds: Int
    /// The API gateway's quota: calls a second per project and API, burst as many (`EmulatorQuota`); 0: none.
    public var quota: Int

    public enum DropMode: String, Sendable, Equatable, Codable {
        case afterProcessing = "after_processing"
        case beforeProcessing = "before_processing"
    }

    public init(
        latencyMilliseconds: Int = 0, errorRate: Double = 0, throttleBurst: Int = 0, retryAfterSeconds: Int = 1,
        jobFailureRate: Double = 0, failNextJobs: Int = 0, dropConnections: Int = 0,
        dropMode: DropMode = .afterProcessing, jobDelayMilliseconds: Int = 500, jobVisibilityDelayMilliseconds: Int = 0,
        loseNextCalls: Int = 0, holdCallAnswersMilliseconds: Int = 0, quota: Int = 0
    ) {
        self.latencyMilliseconds = latencyMilliseconds
        self.errorRate = errorRate
        self.throttleBurst = throttleBurst
        self.retryAfterSeconds = retryAfterSeconds
        self.jobFailureRate = jobFailureRate
        self.failNextJobs = failNextJobs
        self.dropConnections = dropConnections
        self.dropMode = dropMode
        self.jobDelayMilliseconds = jobDelayMilliseconds
        self.jobVisibilityDelayMilliseconds = jobVisibilityDelayMilliseconds
        self.loseNextCalls = loseNextCalls
        self.holdCallAnswersMilliseconds = holdCallAnswersMilliseconds
        self.quota = quota
    }

    /// Why these faults make no sense (rates outside 0...1, negative counts), or nil.
    public var problem: String? {
        if !(0...1).contains(errorRate) { return "error_rate must be from 0 to 1" }
        if !(0...1).contains(jobFailureRate) { return "job failure rate must be from 0 to 1" }
        let counts = [
            latencyMilliseconds, throttleBurst, retryAfterSeconds, failNextJobs, dropConnections, jobDelayMilliseconds,
            jobVisibilityDelayMilliseconds, loseNextCalls, holdCallAnswersMilliseconds, quota,
        ]
        if counts.contains(where: { $0 < 0 }) { return "counts and durations must not be negative" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case latencyMilliseconds = "latency_ms"
        case errorRate = "error_rate"
        case throttleBurst = "throttle_burst"
        case retryAfterSeconds = "retry_after_seconds"
        case jobFailureRate = "job_failure_rate"
        case failNextJobs = "fail_next_jobs"
        case dropConnections = "drop_connections"
        case dropMode = "drop_mode"
        case jobDelayMilliseconds = "job_delay_ms"
        case jobVisibilityDelayMilliseconds = "job_visibility_delay_ms"
        case loseNextCalls = "lose_next_calls"
        case holdCallAnswersMilliseconds = "hold_call_answers_ms"
        case quota
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = EmulatorFaults()
        latencyMilliseconds = try c.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? 0
        errorRate = try c.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0
        throttleBurst = try c.decodeIfPresent(Int.self, forKey: .throttleBurst) ?? 0
        retryAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? defaults.retryAfterSeconds
        jobFailureRate = try c.decodeIfPresent(Double.self, forKey: .jobFailureRate) ?? 0
        failNextJobs = try c.decodeIfPresent(Int.self, forKey: .failNextJobs) ?? 0
        dropConnections = try c.decodeIfPresent(Int.self, forKey: .dropConnections) ?? 0
        dropMode = try c.decodeIfPresent(DropMode.self, forKey: .dropMode) ?? defaults.dropMode
        jobDelayMilliseconds =
            try c.decodeIfPresent(Int.self, forKey: .jobDelayMilliseconds) ?? defaults.jobDelayMilliseconds
        jobVisibilityDelayMilliseconds = try c.decodeIfPresent(Int.self, forKey: .jobVisibilityDelayMilliseconds) ?? 0
        loseNextCalls = try c.decodeIfPresent(Int.self, forKey: .loseNextCalls) ?? 0
        holdCallAnswersMilliseconds = try c.decodeIfPresent(Int.self, forKey: .holdCallAnswersMilliseconds) ?? 0
        quota = try c.decodeIfPresent(Int.self, forKey: .quota) ?? 0
    }
}
