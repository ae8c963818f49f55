import Foundation
import GeminiDBAPI
import SyncwindowSchedule

/// The validated configuration: the main file plus every window file of the schedules directory.
public struct SyncwindowConfiguration: Sendable {
    /// The main config file this was loaded from.
    public var sourceFile: String
    /// Where `audit.sqlite` and the lock live.
    public var stateDirectory: String
    /// The directory of `*.yaml` window files (absolute).
    public var schedulesDirectory: String
    public var cloud: CloudSettings
    /// Pairs in the order the config file lists them.
    public var pairs: [PairConfig]
    /// Windows from all schedule files, in file-name then file order.
    public var windows: [Window]
    /// SHA-256 (hex) over the main file and every window file, recorded with each pass.
    public var contentHash: String
    /// Where the trail and the pair locks live: SQLite under `state_dir`, or a shared PostgreSQL.
    public var store: StoreSettings

    public init(
        sourceFile: String, stateDirectory: String, schedulesDirectory: String, cloud: CloudSettings,
        pairs: [PairConfig], windows: [Window], contentHash: String, store: StoreSettings = .sqlite
    ) {
        self.sourceFile = sourceFile
        self.stateDirectory = stateDirectory
        self.schedulesDirectory = schedulesDirectory
        self.cloud = cloud
        self.pairs = pairs
        self.windows = windows
        self.contentHash = contentHash
        self.store = store
    }

    public func pair(named name: String) -> PairConfig? { pairs.first { $0.name == name } }
}

/// A disaster-recovery pair: the two instances whose synchronization is paused and resumed together.
public struct PairConfig: Sendable, Equatable {
    public var name: String
    public var primary: InstanceRef
    public var standby: InstanceRef
    /// The `cloud.profiles` entry each side authenticates with (`auth: NAME`); nil: `cloud.auth`.
    public var primaryProfile: String?
    public var standbyProfile: String?

    public init(
        name: String, primary: InstanceRef, standby: InstanceRef, primaryProfile: String? = nil,
        standbyProfile: String? = nil
    ) {
        self.name = name
        self.primary = primary
        self.standby = standby
        self.primaryProfile = primaryProfile
        self.standbyProfile = standbyProfile
    }
}

/// `cloud:` — how to reach and authenticate to the GeminiDB API.
public struct CloudSettings: Sendable, Equatable {
    public var auth: AuthSettings
    /// Explicit endpoints by region; other regions use `https://gaussdb-nosql.{region}.myhuaweicloud.com`.
    public var endpoints: [String: URL]
    /// Per HTTP request.
    public var timeout: Duration
    /// In-flight API calls at most, shared by all pairs.
    public var concurrency: Int
    /// Calls a second at most per endpoint, project and API, shared by all pairs; 0: not paced.
    public var rateLimit: Int
    /// Extra CA trust and the proxy (docs/configuration.md, "Operating behind a proxy").
    public var network: NetworkSettings
    /// `cloud.profiles`: further credentials by name, for pair sides in other accounts.
    public var profiles: [String: AuthSettings]

    public init(
        auth: AuthSettings, endpoints: [String: URL] = [:], timeout: Duration = .seconds(10), concurrency: Int = 32,
        rateLimit: Int = CloudSettings.defaultRateLimit, network: NetworkSettings = NetworkSettings(),
        profiles: [String: AuthSettings] = [:]
    ) {
        self.auth = auth
        self.profiles = profiles
        self.endpoints = endpoints
        self.timeout = timeout
        self.concurrency = concurrency
        self.rateLimit = rateLimit
        self.network = network
    }

    /// The API gateway throttles each API of a project at 200 calls a second by default (APIGW.0308): 180
    /// leaves a tenth of it to the console, other tools and a second host's pass.
    public static let defaultRateLimit = 180

    /// The service endpoint for a region.
    public func endpoint(forRegion region: String) -> URL {
        endpoints[region] ?? URL(string: "https://gaussdb-nosql.\(region).myhuaweicloud.com")!
    }
}

/// `cloud.auth:` — exactly one method. Only file paths (or `credential:NAME`) live here; the secrets are read by
/// `SecretFile`, and `metadata` holds none at all.
public enum AuthSettings: Sendable, Equatable {
    case aksk(accessKeyFile: String, secretKeyFile: String)
    /// `aksk` with a `security_token_file`: a temporary key, read again whenever its files change.
    case temporaryKeyFiles(accessKeyFile: String, secretKeyFile: String, securityTokenFile: String)
    case password(iamEndpoint: URL, domain: String, user: String, passwordFile: String)
    case token(tokenFile: String)
    /// The ECS agency's temporary key from the metadata service; `endpoint` (loopback only) replaces
    /// `http://169.254.169.254` for the emulator and tests.
    case metadata(endpoint: URL?)

    /// `metadata`, `aksk`, `password` or `token`, as the config writes it.
    public var method: String {
        switch self {
        case .aksk, .temporaryKeyFiles: "aksk"
        case .password: "password"
        case .token: "token"
        case .metadata: "metadata"
        }
    }
}
