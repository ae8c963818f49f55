import Foundation
import GeminiDBAPI
import SyncwindowConfig

/// The credentials the emulator accepts: exactly what the syncwindow config's `cloud.auth` names.
public enum EmulatorAuth: Sendable, Equatable {
    /// AK/SK signatures by this key pair.
    case aksk(accessKey: Secret, secretKey: Secret)
    /// Tokens its IAM issues for this domain, user and password.
    case password(domain: String, user: String, password: Secret)
    /// This one static `X-Auth-Token`.
    case token(Secret)

    var method: String {
        switch self {
        case .aksk: "aksk"
        case .password: "password"
        case .token: "token"
        }
    }
}

/// What the emulator serves and how it behaves.
public struct EmulatorConfiguration: Sendable {
    /// The DR pairs whose instances it serves (each starting `SYNCING`).
    public var pairs: [PairConfig]
    public var auth: EmulatorAuth
    /// Faults and job timing at start.
    public var faults: EmulatorFaults
    /// Seed of the random choices (error rate, job failures); nil picks one.
    public var seed: UInt64?
    /// Instances and jobs are kept here across restarts (written atomically).
    public var stateFile: String?
    /// Lifetime of IAM tokens.
    public var tokenLifetime: Duration
    /// Wall clock for job times, token expiry and `X-Sdk-Date` skew. State advances lazily on reads.
    public var now: @Sendable () -> Date
    /// Sleeps of the injected latency.
    public var clock: any Clock<Duration>

    public init(
        pairs: [PairConfig], auth: EmulatorAuth, faults: EmulatorFaults = EmulatorFaults(), seed: UInt64? = nil,
        stateFile: String? = nil, tokenLifetime: Duration = .seconds(24 * 3600),
        now: @escaping @Sendable () -> Date = { Date() }, clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.pairs = pairs
        self.auth = auth
        self.faults = faults
        self.seed = seed
        self.stateFile = stateFile
        self.tokenLifetime = tokenLifetime
        self.now = now
        self.clock = clock
    }

    /// From a syncwindow configuration: its pairs, and the credentials its `cloud.auth` names, read with
    /// `readSecret` (pass `SecretFile.read` to apply the file-permission rules).
    public init(
        from configuration: SyncwindowConfiguration, faults: EmulatorFaults = EmulatorFaults(),
        seed: UInt64? = nil, stateFile: String? = nil, readSecret: (String) throws -> Secret
    ) throws {
        let auth: EmulatorAuth
        switch configuration.cloud.auth {
        case .aksk(let accessKeyFile, let secretKeyFile):
            auth = .aksk(accessKey: try readSecret(accessKeyFile), secretKey: try readSecret(secretKeyFile))
        case .password(_, let domain, let user, let passwordFile):
            auth = .password(domain: domain, user: user, password: try readSecret(passwordFile))
        case .token(let tokenFile):
            auth = .token(try readSecret(tokenFile))
        }
        self.init(pairs: configuration.pairs, auth: auth, faults: faults, seed: seed, stateFile: stateFile)
    }
}
