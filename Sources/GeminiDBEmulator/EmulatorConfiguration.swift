import Foundation
import GeminiDBAPI

/// What the emulator serves and how it behaves.
public struct EmulatorConfiguration: Sendable {
    /// The DR pairs whose instances it serves (each starting `SYNCING`).
    public var pairs: [EmulatorPair]
    public var auth: EmulatorAuth
    /// Projects of another account (a pair side with `auth: PROFILE`): their credentials instead of `auth`.
    public var projectAuth: [String: EmulatorAuth] = [:]
    /// Faults and job timing at start.
    public var faults: EmulatorFaults
    /// Seed of the random choices (error rate, job failures); nil picks one.
    public var seed: UInt64?
    /// Instances and jobs are kept here across restarts: a journal of JSON lines (see `EmulatorStateJournal`).
    public var stateFile: String?
    /// Lifetime of IAM tokens.
    public var tokenLifetime: Duration
    /// The metadata service at start: agency, session tokens, lifetime of temporary keys.
    public var metadata: EmulatorMetadata = EmulatorMetadata()
    /// Wall clock for job times, token expiry and `X-Sdk-Date` skew. State advances lazily on reads.
    public var now: @Sendable () -> Date
    /// Sleeps of the injected latency.
    public var clock: any Clock<Duration>
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    public var tls: EmulatorTLS?

    public init(
        pairs: [EmulatorPair], auth: EmulatorAuth, faults: EmulatorFaults = EmulatorFaults(), seed: UInt64? = nil,
        stateFile: String? = nil, tokenLifetime: Duration = .seconds(24 * 3600),
        now: @escaping @Sendable () -> Date = { Date() }, clock: any Clock<Duration> = ContinuousClock(),
        tls: EmulatorTLS? = nil
    ) {
        self.pairs = pairs
        self.auth = auth
        self.faults = faults
        self.seed = seed
        self.stateFile = stateFile
        self.tokenLifetime = tokenLifetime
        self.now = now
        self.clock = clock
        self.tls = tls
    }
}

/// The emulator's server identity for HTTPS: PEM files, as `--tls-cert` and `--tls-key` name them.
public struct EmulatorTLS: Sendable, Equatable {
    /// The server certificate, optionally followed by its intermediates.
    public var certificateFile: String
    public var privateKeyFile: String

    public init(certificateFile: String, privateKeyFile: String) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }
}
