import Foundation

/// Paces a client's calls (`cloud.rate_limit`): a ``PacingBucket`` per endpoint, project and API — the unit the
/// API gateway's quota counts — shared by every call made through the client and its copies, so every pair of a
/// pass draws on the same buckets. Time is the client's injected clock.
public actor RateLimiter {
    /// What one bucket paces: the gateway meters each API of each project.
    public struct Key: Hashable, Sendable {
        /// Scheme, host and port of the service endpoint.
        public var endpoint: String
        public var projectID: String
        /// Method and path template, e.g. `GET jobs`.
        public var api: String

        public init(endpoint: String, projectID: String, api: String) {
            self.endpoint = endpoint
            self.projectID = projectID
            self.api = api
        }
    }

    /// A slot reserved in a bucket: send after `wait`, unless a 429 reset the bucket meanwhile.
    public struct Reservation: Sendable {
        public var wait: Duration
        var generation: Int
    }

    public let callsPerSecond: Double
    private let elapsed: @Sendable () -> Duration
    private var buckets: [Key: PacingBucket] = [:]

    public init<C: Clock>(callsPerSecond: Double, clock: C) where C.Duration == Duration {
        self.callsPerSecond = callsPerSecond
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
    }

    public func reserve(_ key: Key) -> Reservation {
        let now = Self.seconds(elapsed())
        var bucket = buckets[key] ?? PacingBucket(ceiling: callsPerSecond, at: now)
        let wait = bucket.reserve(at: now)
        buckets[key] = bucket
        return Reservation(wait: .milliseconds(Int64((wait * 1000).rounded(.up))), generation: bucket.generation)
    }

    /// Whether `reservation` still holds: no 429 reset its bucket since it was made.
    public func holds(_ reservation: Reservation, for key: Key) -> Bool {
        buckets[key]?.generation == reservation.generation
    }

    /// The gateway answered a call of `key` 429.
    public func throttled(_ key: Key, retryAfter: Duration?) {
        let now = Self.seconds(elapsed())
        var bucket = buckets[key] ?? PacingBucket(ceiling: callsPerSecond, at: now)
        bucket.throttled(at: now, retryAfter: retryAfter.map(Self.seconds))
        buckets[key] = bucket
    }

    /// Time on the client's clock since the limiter was made.
    public func now() -> Duration { elapsed() }

    /// The bucket's pace now, for tests and logs.
    public func rate(_ key: Key) -> Double {
        buckets[key]?.rate(at: Self.seconds(elapsed())) ?? callsPerSecond
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
