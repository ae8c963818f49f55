import GeminiDBAPI

/// How the client reaches its endpoints: extra CA trust and an optional HTTP proxy. TLS verification is
/// always on; there is deliberately no option to turn it off.
public struct NetworkOptions: Sendable {
    /// A PEM bundle added to the system trust store (private CAs, TLS-inspecting proxies); nil: system trust only.
    public var additionalCAFile: String?
    public var proxy: Proxy?

    public init(additionalCAFile: String? = nil, proxy: Proxy? = nil) {
        self.additionalCAFile = additionalCAFile
        self.proxy = proxy
    }

    /// An HTTP proxy: HTTPS goes through CONNECT tunnels, so TLS still runs end to end with the endpoint.
    public struct Proxy: Sendable {
        public var host: String
        public var port: Int
        /// Basic proxy authentication; the password is never logged or printed.
        public var user: String?
        public var password: Secret?
        /// Where the proxy was configured (`cloud.proxy`, `HTTPS_PROXY`), for messages.
        public var source: String
        /// Whether a call to `host:port` goes through the proxy (`NO_PROXY`, loopback).
        public var applies: @Sendable (_ host: String, _ port: Int) -> Bool

        public init(
            host: String, port: Int, user: String? = nil, password: Secret? = nil, source: String,
            applies: @escaping @Sendable (_ host: String, _ port: Int) -> Bool = { _, _ in true }
        ) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.source = source
            self.applies = applies
        }

        /// `proxy.internal:3128 (cloud.proxy)`: never the credentials.
        public var label: String { "\(host.contains(":") ? "[\(host)]" : host):\(port) (\(source))" }
    }
}

/// The network options cannot be used; raised before any call is made.
public struct NetworkSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
