import GeminiDBAPI
import GeminiDBEmulator
import SyncwindowConfig

// The adapter from a syncwindow config lives here, not in the emulator library, so the library knows only the
// wire models. SyncwindowTestSupport keeps the same adapter for in-process tests.

extension EmulatorConfiguration {
    /// From a syncwindow configuration: its pairs, and the credentials its `cloud.auth` names, read with
    /// `readSecret` (pass `SecretFile.read` to apply the file-permission rules).
    init(
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
    init(_ pair: PairConfig) {
        self.init(name: pair.name, primary: pair.primary, standby: pair.standby)
    }
}

extension EmulatorAuth {
    /// The method `cloud.auth` names, with its secrets read from their files.
    init(_ settings: AuthSettings, _ readSecret: (String) throws -> Secret) throws {
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
