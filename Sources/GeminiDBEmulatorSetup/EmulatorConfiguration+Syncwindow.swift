import GeminiDBAPI
import GeminiDBEmulator
import SyncwindowConfig

// The one adapter from a syncwindow config to the emulator's own types, used by the `geminidb-emulator`
// executable (`--pairs CONFIG`), `syncwindow demo` and the tests. It is a target of its own so that the emulator
// library knows only the wire models and nothing of syncwindow's configuration.

extension EmulatorConfiguration {
    /// From a syncwindow configuration: its pairs, and the credentials its `cloud.auth` names, read with
    /// `readSecret` (pass `SecretFile.read` to apply the file-permission rules).
    public init(
        from configuration: SyncwindowConfiguration, faults: EmulatorFaults = EmulatorFaults(), seed: UInt64? = nil,
        stateFile: String? = nil, readSecret: (String) throws -> Secret
    ) throws {
        self.init(
            pairs: configuration.pairs.map(EmulatorPair.init),
            auth: try EmulatorAuth(configuration.cloud.auth, readSecret), faults: faults, seed: seed,
            stateFile: stateFile)
    }
}

extension EmulatorPair {
    public init(_ pair: PairConfig) {
        self.init(name: pair.name, primary: pair.primary, standby: pair.standby)
    }
}

extension EmulatorAuth {
    /// The method `cloud.auth` names, with its secrets read from their files.
    public init(_ settings: AuthSettings, _ readSecret: (String) throws -> Secret) throws {
        switch settings {
        case .aksk(let accessKeyFile, let secretKeyFile):
            self = .aksk(accessKey: try readSecret(accessKeyFile), secretKey: try readSecret(secretKeyFile))
        case .password(_, let domain, let user, let passwordFile):
            self = .password(domain: domain, user: user, password: try readSecret(passwordFile))
        case .token(let tokenFile):
            self = .token(try readSecret(tokenFile))
        }
    }
}
