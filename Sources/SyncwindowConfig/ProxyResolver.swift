import Foundation
import GeminiDBAPI

/// The proxy the cloud calls use, and for which hosts.
public struct ResolvedProxy: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: Secret?
    /// Where it came from, for messages: `cloud.proxy`, `HTTPS_PROXY` or `https_proxy`.
    public var source: String
    /// Hosts that go direct; nil when the proxy is configured explicitly (then every call uses it).
    public var noProxy: NoProxyList?

    /// Whether a call to `host:port` goes through this proxy. From the environment, loopback never does.
    public func applies(toHost host: String, port: Int) -> Bool {
        guard let noProxy else { return true }
        if CloudSettingsReader.isLoopback(host) { return false }
        return !noProxy.matches(host: host, port: port)
    }
}

/// Picks the proxy, in this order:
/// 1. `cloud.proxy` (with `cloud.proxy_credentials_file`): every cloud and IAM call, loopback included;
///    the environment is not read.
/// 2. else `HTTPS_PROXY`, else `https_proxy` (`http://[user:password@]host[:port]`, port 80 if left out), for
///    every host except loopback and those `NO_PROXY` (else `no_proxy`) lists.
/// 3. else none. `HTTP_PROXY` is never read: every call that leaves this machine is HTTPS.
public enum ProxyResolver {
    public static func resolve(
        _ settings: NetworkSettings, environment: [String: String],
        readSecret: (String) throws(ConfigError) -> Secret = { path throws(ConfigError) in try SecretFile.read(path) }
    ) throws(ConfigError) -> ResolvedProxy? {
        if let proxy = settings.proxy {
            var resolved = ResolvedProxy(host: proxy.host, port: proxy.port, source: "cloud.proxy", noProxy: nil)
            if let file = proxy.credentialsFile {
                let (user, password) = try credentials(try readSecret(file), file: file)
                resolved.user = user
                resolved.password = password
            }
            return resolved
        }
        guard let (variable, value) = firstSet(["HTTPS_PROXY", "https_proxy"], in: environment) else { return nil }
        var resolved = try environmentProxy(value, variable: variable)
        resolved.noProxy = NoProxyList(firstSet(["NO_PROXY", "no_proxy"], in: environment)?.value ?? "")
        return resolved
    }

    static func firstSet(_ names: [String], in environment: [String: String]) -> (name: String, value: String)? {
        for name in names {
            if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return (name, value)
            }
        }
        return nil
    }

    /// `user:password` (the password may itself hold colons).
    static func credentials(_ secret: Secret, file: String) throws(ConfigError) -> (String, Secret) {
        let text = secret.exposedValue
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
            throw ConfigError(file: file, "proxy credentials file must hold one line user:password")
        }
        return (String(text[..<colon]), Secret(String(text[text.index(after: colon)...])))
    }

    /// `http://[user:password@]host[:port][/]`, or `host:port` alone. Errors never repeat the value: it may
    /// hold a password.
    static func environmentProxy(_ value: String, variable: String) throws(ConfigError) -> ResolvedProxy {
        let text = value.contains("://") ? value : "http://" + value
        let example = "expected http://[user:password@]host[:port]"
        func refuse(_ why: String) -> ConfigError {
            ConfigError(file: "environment", "\(variable) \(why); \(example) — or set cloud.proxy in the config")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw refuse("is not a URL")
        }
        guard scheme == "http" else { throw refuse("uses \(scheme)://, which syncwindow does not support") }
        guard let host = components.host, !host.isEmpty else { throw refuse("names no host") }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else { throw refuse("has an invalid port") }
        guard components.percentEncodedPath.isEmpty || components.percentEncodedPath == "/" else {
            throw refuse("has a path")
        }
        var resolved = ResolvedProxy(
            host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port, source: variable)
        if let user = components.user, !user.isEmpty {
            resolved.user = user
            resolved.password = Secret(components.password ?? "")
        }
        return resolved
    }
}
