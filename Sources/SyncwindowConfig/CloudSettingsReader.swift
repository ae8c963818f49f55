import Foundation
import SyncwindowSchedule

/// Reads `cloud:`: the auth method, endpoints, timeout, concurrency, and the network settings (CA bundle, proxy).
enum CloudSettingsReader {
    static func read(_ value: YAMLValue, relativeTo directory: URL) throws(ConfigError) -> CloudSettings {
        let cloud = try value.mapping(allowed: [
            "auth", "endpoints", "timeout", "concurrency", "rate_limit", "ca_file", "proxy", "proxy_credentials_file",
            "profiles",
        ])
        let auth = try readAuth(try cloud.required("auth"), relativeTo: directory)
        var profiles: [String: AuthSettings] = [:]
        if let profilesValue = cloud["profiles"] {
            for (name, profileValue) in try profilesValue.mapping(allowed: []).entries {
                guard ConfigLoader.isValidName(name) else {
                    throw profileValue.error("profile name '\(name)' must be letters, digits, '.', '_' or '-'")
                }
                profiles[name] = try readAuth(profileValue, relativeTo: directory)
            }
        }
        var endpoints: [String: URL] = [:]
        if let endpointsValue = cloud["endpoints"] {
            for (region, urlValue) in try endpointsValue.mapping(allowed: []).entries {
                endpoints[region] = try endpointURL(urlValue)
            }
        }
        var timeout = Duration.seconds(10)
        if let timeoutValue = cloud["timeout"] {
            let seconds = try duration(timeoutValue)
            guard (1...300).contains(seconds) else { throw timeoutValue.error("'cloud.timeout' must be from 1s to 5m") }
            timeout = .milliseconds(Int64(seconds * 1000))
        }
        let concurrency = try cloud["concurrency"]?.integer(in: 1...256) ?? 32
        let rateLimit = try cloud["rate_limit"]?.integer(in: 0...100_000) ?? CloudSettings.defaultRateLimit
        let network = try readNetwork(cloud, relativeTo: directory)
        return CloudSettings(
            auth: auth, endpoints: endpoints, timeout: timeout, concurrency: concurrency, rateLimit: rateLimit,
            network: network, profiles: profiles)
    }

    /// `cloud.auth` or one `cloud.profiles.NAME`: one method and its keys.
    private static func readAuth(_ value: YAMLValue, relativeTo directory: URL) throws(ConfigError) -> AuthSettings {
        let keysByMethod = [
            "aksk": ["access_key_file", "secret_key_file", "security_token_file"],
            "password": ["iam_endpoint", "domain", "user", "password_file"],
            "token": ["token_file"],
            "metadata": ["metadata_endpoint"],
        ]
        let all = ["method"] + keysByMethod.values.flatMap { $0 }
        let auth = try value.mapping(allowed: all)
        let methodValue = try auth.required("method")
        let method = try methodValue.string()
        guard let keys = keysByMethod[method] else {
            throw methodValue.error(
                "'\(methodValue.path)' is '\(method)'; use exactly one of metadata, aksk, password, token")
        }
        for (key, entry) in auth.entries where key != "method" && !keys.contains(key) {
            throw entry.error(
                "'\(key)' does not belong to auth method '\(method)' (which takes \(keys.joined(separator: ", ")))")
        }
        func path(_ key: String) throws(ConfigError) -> String {
            try secretFile(try auth.required(key), relativeTo: directory)
        }
        switch method {
        case "aksk":
            if let tokenValue = auth["security_token_file"] {
                return .temporaryKeyFiles(
                    accessKeyFile: try path("access_key_file"), secretKeyFile: try path("secret_key_file"),
                    securityTokenFile: try secretFile(tokenValue, relativeTo: directory))
            }
            return .aksk(accessKeyFile: try path("access_key_file"), secretKeyFile: try path("secret_key_file"))
        case "password":
            return .password(
                iamEndpoint: try endpointURL(try auth.required("iam_endpoint")),
                domain: try auth.required("domain").string(), user: try auth.required("user").string(),
                passwordFile: try path("password_file"))
        case "metadata":
            guard let endpointValue = auth["metadata_endpoint"] else { return .metadata(endpoint: nil) }
            return .metadata(endpoint: try metadataEndpoint(endpointValue))
        default:
            return .token(tokenFile: try path("token_file"))
        }
    }

    /// A secret `*_file` value: a path (relative to the config's directory), or `credential:NAME` for the file
    /// systemd's `LoadCredential=` puts in `$CREDENTIALS_DIRECTORY` (looked up when the secret is read).
    static func secretFile(_ value: YAMLValue, relativeTo directory: URL) throws(ConfigError) -> String {
        let text = try value.string()
        guard text.hasPrefix(SecretFile.credentialPrefix) else { return ConfigLoader.resolve(text, against: directory) }
        let name = String(text.dropFirst(SecretFile.credentialPrefix.count))
        guard SecretFile.isCredentialName(name) else {
            throw value.error(
                "'\(value.path)' names credential '\(name)': use credential:NAME with NAME a file name of "
                    + "letters, digits, '.', '_', '-' or '@'")
        }
        return text
    }

    /// `cloud.auth.metadata_endpoint`: for the emulator and tests only, so loopback only — the production service is
    /// always `http://169.254.169.254`, and a key must never be fetched from anywhere else.
    static func metadataEndpoint(_ value: YAMLValue) throws(ConfigError) -> URL {
        let text = try value.string()
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, isLoopback(host)
        else {
            throw value.error(
                "'\(value.path)' is '\(text)': only a loopback URL (http://127.0.0.1:PORT, the emulator) may replace "
                    + "the metadata service; leave it out in production")
        }
        return url
    }

    static func duration(_ value: YAMLValue) throws(ConfigError) -> TimeInterval {
        let text = try value.string()
        do {
            return try DurationText.parse(text)
        } catch {
            throw value.error("'\(value.path)' is '\(text)': \(error) (write it like 90m, 2h or 1h30m)")
        }
    }

    /// An endpoint must be https, unless it is on this machine (the emulator, a local proxy):
    /// credentials and tokens must never cross a network in clear text.
    static func endpointURL(_ value: YAMLValue) throws(ConfigError) -> URL {
        let text = try value.string()
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            scheme == "https" || scheme == "http"
        else {
            throw value.error(
                "'\(value.path)' is not a URL like https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com")
        }
        if scheme == "http" && !isLoopback(host) {
            throw value.error(
                "'\(value.path)' uses plain http to \(host); use https (http is allowed only for loopback)")
        }
        return url
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare == "::1"
            || bare.hasPrefix("127.")
                && bare.split(separator: ".").count == 4 && bare.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }
}
