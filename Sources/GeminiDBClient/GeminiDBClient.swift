import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import Logging

/// The GeminiDB API client: authentication (AK/SK, temporary keys from the ECS metadata service or files, IAM
/// password, static token; per profile where sides live in other accounts), timeouts, retries with
/// backoff and one concurrency limit shared by every call made through it (and its copies).
public struct GeminiDBClient: GeminiDBService {
    /// How to reach the API and how hard to try.
    public struct Configuration: Sendable {
        /// The service endpoint of a region.
        public var endpoints: @Sendable (_ region: String) -> URL
        /// Overrides the IAM endpoint of ``Credentials/password(iamEndpoint:domain:user:password:)``.
        public var iamEndpoint: URL?
        /// Per HTTP request (connect to last byte).
        public var timeout: Duration
        /// In-flight requests at most.
        public var concurrency: Int
        /// Calls a second at most per endpoint, project and API (``RateLimiter``); nil: not paced.
        public var rateLimit: Double?
        public var retry: RetryPolicy
        /// Sleeps between attempts.
        public var clock: any Clock<Duration>
        /// Picks the actual delay in `0...ceiling` (full jitter); injectable for tests.
        public var jitter: @Sendable (_ ceiling: Duration) -> Duration
        /// Wall clock, for token ages and `X-Sdk-Date`.
        public var now: @Sendable () -> Date
        /// Sent as `User-Agent`.
        public var userAgent: String

        public init(
            endpoints: @escaping @Sendable (_ region: String) -> URL,
            iamEndpoint: URL? = nil,
            timeout: Duration = .seconds(10),
            concurrency: Int = 32,
            rateLimit: Double? = nil,
            retry: RetryPolicy = RetryPolicy(),
            clock: any Clock<Duration> = ContinuousClock(),
            jitter: @escaping @Sendable (_ ceiling: Duration) -> Duration = Configuration.randomJitter,
            now: @escaping @Sendable () -> Date = { Date() },
            userAgent: String = "syncwindow"
        ) {
            self.endpoints = endpoints
            self.iamEndpoint = iamEndpoint
            self.timeout = timeout
            self.concurrency = max(1, concurrency)
            self.rateLimit = rateLimit.flatMap { $0 > 0 ? $0 : nil }
            self.retry = retry
            self.clock = clock
            self.jitter = jitter
            self.now = now
            self.userAgent = userAgent
        }

        /// Explicit endpoints by region; other regions use `https://gaussdb-nosql.{region}.myhuaweicloud.com`.
        public init(
            endpoints: [String: URL], iamEndpoint: URL? = nil, timeout: Duration = .seconds(10),
            concurrency: Int = 32, rateLimit: Double? = nil, retry: RetryPolicy = RetryPolicy()
        ) {
            self.init(
                endpoints: { region in endpoints[region] ?? Self.defaultEndpoint(forRegion: region) },
                iamEndpoint: iamEndpoint, timeout: timeout, concurrency: concurrency, rateLimit: rateLimit,
                retry: retry)
        }

        /// `https://gaussdb-nosql.{region}.myhuaweicloud.com`
        public static func defaultEndpoint(forRegion region: String) -> URL {
            URL(string: "https://gaussdb-nosql.\(region).myhuaweicloud.com")!
        }

        /// Uniform in `0...ceiling`.
        public static let randomJitter: @Sendable (Duration) -> Duration = { ceiling in
            let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
            guard nanos > 0 else { return .zero }
            return .nanoseconds(Int64.random(in: 0...nanos))
        }
    }

    /// `apiCode` of the error that says the ECS has no agency (`method: metadata`).
    public static let noAgencyCode = "METADATA.NO_AGENCY"

    let transport: HTTPTransport
    /// `cloud.auth`'s credentials and caches.
    let authenticator: Authenticator
    /// Each profile's credentials and caches, by name.
    let profileAuthenticators: [String: Authenticator]
    /// The profile of each instance that names one (`auth: NAME`).
    let instanceProfiles: [InstanceRef: String]

    /// Every call directly through `httpClient`.
    public init(configuration: Configuration, credentials: Credentials, httpClient: HTTPClient, logger: Logger) {
        self.init(
            configuration: configuration, credentials: credentials, http: GeminiDBHTTP(httpClient), logger: logger)
    }

    /// Calls through `http`: its CA trust and proxy (``GeminiDBHTTP/with(_:isolation:_:)``). IAM token
    /// requests take the same path as API calls. `profiles` are further credentials by name and `instanceProfiles`
    /// the instances that use them (a pair whose sides live in different accounts); each profile keeps its own
    /// tokens and temporary key, every other instance uses `credentials`.
    public init(
        configuration: Configuration, credentials: Credentials, http: GeminiDBHTTP, logger: Logger,
        profiles: [String: Credentials] = [:], instanceProfiles: [InstanceRef: String] = [:]
    ) {
        let transport = HTTPTransport(
            http: http, configuration: configuration,
            semaphore: AsyncSemaphore(limit: configuration.concurrency),
            pacing: configuration.rateLimit.map { RateLimiter(callsPerSecond: $0, clock: configuration.clock) },
            logger: logger)
        self.transport = transport
        authenticator = Authenticator(credentials, transport: transport)
        profileAuthenticators = profiles.mapValues { Authenticator($0, transport: transport) }
        self.instanceProfiles = instanceProfiles
    }

    /// Fetches the temporary key of every metadata-based credential now, so that "no agency" and an unreadable
    /// answer surface before a pass acts on anything. Returns when the keys in use expire, by profile (nil: the
    /// default `cloud.auth`).
    public func prepareCredentials() async throws(GeminiDBError) -> [(profile: String?, expiresAt: Date?)] {
        var expiries: [(profile: String?, expiresAt: Date?)] = []
        if let expiry = try await authenticator.prepare() { expiries.append((nil, expiry)) }
        for name in Set(instanceProfiles.values).sorted() {
            guard let profile = profileAuthenticators[name], let expiry = try await profile.prepare() else { continue }
            expiries.append((name, expiry))
        }
        return expiries
    }

    public func syncStatus(of instance: InstanceRef) async throws(GeminiDBError) -> DataSyncStatusResponse {
        let exchange = try await send(
            .get, instance, path: Self.dataSyncPath(instance), operation: "sync-status", api: API.dataSync)
        return try exchange.decode(DataSyncStatusResponse.self)
    }

    public func setDataSynchronization(
        _ action: SyncAction, on instance: InstanceRef
    ) async throws(GeminiDBError) -> String {
        let body = Array(try! JSONEncoder().encode(DataSyncActionRequest(action: action)))
        let exchange = try await send(
            .post, instance, path: Self.dataSyncPath(instance), body: body, operation: "set-data-sync-\(action)",
            api: API.dataSync)
        return try exchange.decode(JobIDResponse.self).jobID
    }

    public func job(id: String, on instance: InstanceRef) async throws(GeminiDBError) -> Job? {
        let exchange = try await send(
            .get, instance, path: "/v3/\(PercentEncoding.encode(instance.projectID))/jobs",
            query: [QueryItem("id", id)], operation: "job", api: API.jobs)
        return try exchange.decode(JobListResponse.self).jobs.first { $0.id == id }
    }

    public func instance(_ instance: InstanceRef) async throws(GeminiDBError) -> InstanceInfo? {
        do {
            let exchange = try await send(
                .get, instance, path: "/v3/\(PercentEncoding.encode(instance.projectID))/instances",
                query: [QueryItem("id", instance.instanceID)], operation: "instance", api: API.instances)
            return try exchange.decode(InstanceListResponse.self).instances.first { $0.id == instance.instanceID }
        } catch {
            if case .api(404, APIErrorCode.instanceNotFound, _, _) = error { return nil }
            throw error
        }
    }

    /// The path templates of the APIs the client calls, as the gateway meters them (with the method).
    enum API {
        static let dataSync = "instances/{instance_id}/disaster-recovery/data-synchronization"
        static let jobs = "jobs"
        static let instances = "instances"
    }

    static func dataSyncPath(_ instance: InstanceRef) -> String {
        "/v3/\(PercentEncoding.encode(instance.projectID))/instances/\(PercentEncoding.encode(instance.instanceID))"
            + "/disaster-recovery/data-synchronization"
    }

    func send(
        _ method: HTTPTransport.Method, _ instance: InstanceRef, path: String, query: [QueryItem] = [],
        body: [UInt8]? = nil, operation: String, api: String
    ) async throws(GeminiDBError) -> HTTPTransport.Exchange {
        let call = HTTPTransport.Call(
            method: method, baseURL: transport.configuration.endpoints(instance.region), path: path, query: query,
            body: body, idempotent: method == .get, operation: operation, instance: instance,
            api: "\(method.rawValue) \(api)")
        let profile = instanceProfiles[instance].flatMap { profileAuthenticators[$0] }
        let authorization = (profile ?? authenticator).authorization(for: instance)
        return try await transport.send(call, authorization: authorization)
    }
}
