import Foundation
import GeminiDBAPI
import GeminiDBClient
import SyncwindowConfig

/// The client's credentials: `cloud.auth`'s and each profile's, by name.
struct ClientCredentials {
    var main: Credentials
    var profiles: [String: Credentials]
}

/// Reads the secrets `cloud.auth` and `cloud.profiles` name into the client's credentials. A missing or unsafe
/// file is a usage error (exit 2), raised before any API call. `method: metadata` reads nothing: its key comes from
/// the metadata service when the client first needs it.
enum CredentialLoader {
    static func load(
        _ cloud: CloudSettings, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClientCredentials {
        ClientCredentials(
            main: try load(cloud.auth, environment: environment),
            profiles: try cloud.profiles.mapValues { try load($0, environment: environment) })
    }

    static func load(
        _ auth: AuthSettings, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Credentials {
        do {
            switch auth {
            case .aksk(let accessKeyFile, let secretKeyFile):
                return .aksk(
                    ak: try SecretFile.read(accessKeyFile, environment: environment),
                    sk: try SecretFile.read(secretKeyFile, environment: environment))
            case .temporaryKeyFiles(let accessKeyFile, let secretKeyFile, let securityTokenFile):
                let files = [accessKeyFile, secretKeyFile, securityTokenFile]
                let paths = try files.map { file in
                    try file.hasPrefix(SecretFile.credentialPrefix)
                        ? SecretFile.credentialPath(file, environment: environment) : file
                }
                let keyFiles = TemporaryKeyFiles(paths: paths) {
                    TemporaryKey(
                        accessKey: try SecretFile.read(accessKeyFile, environment: environment),
                        secretKey: try SecretFile.read(secretKeyFile, environment: environment),
                        securityToken: try SecretFile.read(securityTokenFile, environment: environment))
                }
                // Read once now: a missing or unsafe file is exit 2 before anything is called.
                _ = try keyFiles.read()
                return .keyFiles(keyFiles)
            case .password(let iamEndpoint, let domain, let user, let passwordFile):
                return .password(
                    iamEndpoint: iamEndpoint, domain: domain, user: user,
                    password: try SecretFile.read(passwordFile, environment: environment))
            case .token(let tokenFile):
                return .token(try SecretFile.read(tokenFile, environment: environment))
            case .metadata(let endpoint):
                return .metadata(endpoint: endpoint ?? Credentials.metadataEndpoint)
            }
        } catch let error as ConfigError {
            throw CLIFailure(error.description)
        }
    }
}
