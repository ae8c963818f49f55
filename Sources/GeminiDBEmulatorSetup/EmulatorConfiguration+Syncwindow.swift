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
        // A side that names a profile lives in that profile's account: its project takes those credentials.
        var profiles: [String: EmulatorAuth] = [:]
        for (name, settings) in configuration.cloud.profiles {
            profiles[name] = try EmulatorAuth(settings, readSecret)
        }
        for pair in configuration.pairs {
            for (side, profile) in [(pair.primary, pair.primaryProfile), (pair.standby, pair.standbyProfile)] {
                if let profile, let auth = profiles[profile] { projectAuth[side.projectID] = auth }
            }
        }
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
        case .temporaryKeyFiles(let accessKeyFile, let secretKeyFile, let securityTokenFile):
            self = .temporaryKeys(accepting: [
                TemporaryKey(
                    accessKey: try readSecret(accessKeyFile), secretKey: try readSecret(secretKeyFile),
                    securityToken: try readSecret(securityTokenFile))
            ])
        case .metadata:
            self = .temporaryKeys(accepting: [])
        }
    }
}
