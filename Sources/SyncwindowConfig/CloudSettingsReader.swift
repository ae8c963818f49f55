import Foundation
import SyncwindowSchedule

/// Reads `cloud:`: the auth method, endpoints, timeout, concurrency, and the network settings (CA bundle, proxy).
enum CloudSettingsReader {
    static func read(_ value: YAMLValue, relativeTo directory: URL) throws(ConfigError) -> CloudSettings {
        let cloud = try value.mapping(allowed: [
            "auth", "endpoints", "timeout", "concurrency", "rate_limit", "ca_file", "proxy", "proxy_credentials_file",
        ])
        let auth = try readAuth(try cloud.required("auth"), relativeTo: directory)
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
            network: network)
    }

    private static func readAuth(_ value: YAMLValue, relativeTo directory: URL) throws(ConfigError) -> AuthSettings {
        let keysByMethod = [
            "aksk": ["access_key_file", "secret_key_file"],
            "password": ["iam_endpoint", "domain", "user", "password_file"],
            "token": ["token_file"],
        ]
        let all = ["method"] + keysByMethod.values.flatMap { $0 }
        let auth = try value.mapping(allowed: all)
        let methodValue = try auth.required("method")
        let method = try methodValue.string()
        guard let keys = keysByMethod[method] else {
            throw methodValue.error("'cloud.auth.method' is '\(method)'; use exactly one of aksk, password, token")
        }
        for (key, entry) in auth.entries where key != "method" && !keys.contains(key) {
            throw entry.error(
                "'\(key)' does not belong to auth method '\(method)' (which takes \(keys.joined(separator: ", ")))")
        }
        func path(_ key: String) throws(ConfigError) -> String {
            ConfigLoader.resolve(try auth.required(key).string(), against: directory)
        }
        switch method {
        case "aksk":
            return .aksk(accessKeyFile: try path("access_key_file"), secretKeyFile: try path("secret_key_file"))
        case "password":
            return .password(
                iamEndpoint: try endpointURL(try auth.required("iam_endpoint")),
                domain: try auth.required("domain").string(), user: try auth.required("user").string(),
                passwordFile: try path("password_file"))
        default:
            return .token(tokenFile: try path("token_file"))
        }
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
