import Foundation

/// `cloud.ca_file`, `cloud.proxy` and `cloud.proxy_credentials_file`: how the cloud is reached.
///
/// TLS verification is not among them: it cannot be turned off. `ca_file` only adds trust.
public struct NetworkSettings: Sendable, Equatable {
    /// A PEM bundle of CA certificates added to the system trust store (private CAs, TLS-inspecting proxies).
    public var caFile: String?
    /// The configured proxy; nil leaves the choice to `HTTPS_PROXY`/`NO_PROXY` (see ``ProxyResolver``).
    public var proxy: ProxySettings?

    public init(caFile: String? = nil, proxy: ProxySettings? = nil) {
        self.caFile = caFile
        self.proxy = proxy
    }
}

/// `cloud.proxy: http://host:port` and its optional credentials file (`user:password`).
public struct ProxySettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Read with ``SecretFile`` when the client is built, never stored in the configuration.
    public var credentialsFile: String?

    public init(host: String, port: Int, credentialsFile: String? = nil) {
        self.host = host
        self.port = port
        self.credentialsFile = credentialsFile
    }
}

extension CloudSettingsReader {
    /// `ca_file`, `proxy` and `proxy_credentials_file` of `cloud:`, paths resolved against `directory`.
    static func readNetwork(_ cloud: YAMLMapping, relativeTo directory: URL) throws(ConfigError) -> NetworkSettings {
        var settings = NetworkSettings()
        if let value = cloud["ca_file"] {
            let path = ConfigLoader.resolve(try value.string(), against: directory)
            if let problem = caFileProblem(path) { throw value.error("'cloud.ca_file' \(path) \(problem)") }
            settings.caFile = path
        }
        if let value = cloud["proxy"] {
            settings.proxy = try proxy(value)
        }
        if let value = cloud["proxy_credentials_file"] {
            guard settings.proxy != nil else {
                throw value.error("'cloud.proxy_credentials_file' needs 'cloud.proxy' (credentials for which proxy?)")
            }
            settings.proxy?.credentialsFile = try secretFile(value, relativeTo: directory)
        }
        return settings
    }

    /// `http://host:port`: no path, no credentials in the URL (they belong in `proxy_credentials_file`), and
    /// plain http — the tunnel to the endpoint is TLS end to end, so the proxy never sees the requests.
    static func proxy(_ value: YAMLValue) throws(ConfigError) -> ProxySettings {
        let text = try value.string()
        let example = "write it like http://proxy.internal:3128"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw value.error("'cloud.proxy' is not a URL; \(example)")
        }
        guard scheme == "http" else {
            throw value.error(
                "'cloud.proxy' uses \(scheme)://; only http:// proxies are supported (HTTPS still runs end to end "
                    + "through the proxy's CONNECT tunnel)")
        }
        guard components.user == nil, components.password == nil else {
            throw value.error(
                "'cloud.proxy' holds credentials; put user:password in a file named by 'cloud.proxy_credentials_file'")
        }
        guard let host = components.host, !host.isEmpty, let port = components.port, (1...65535).contains(port)
        else { throw value.error("'cloud.proxy' needs a host and a port; \(example)") }
        guard components.percentEncodedPath.isEmpty || components.percentEncodedPath == "/", components.query == nil,
            components.fragment == nil
        else { throw value.error("'cloud.proxy' has a path or query; \(example)") }
        return ProxySettings(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
    }

    /// Why `path` cannot be a CA bundle, or nil. The certificates themselves are parsed when the client is built.
    static func caFileProblem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return "does not exist"
        }
        guard !isDirectory.boolValue else { return "is a directory; name a PEM file" }
        guard let data = FileManager.default.contents(atPath: path) else {
            return "is not readable by this user"
        }
        guard String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        }
        return nil
    }
}
