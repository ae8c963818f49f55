import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// The HTTP clients behind a ``GeminiDBClient``: one that connects directly and, with a proxy, one that
/// tunnels through it; each call picks by its endpoint's host (``NetworkOptions/Proxy/applies``).
public struct GeminiDBHTTP: Sendable {
    /// Which client a call uses.
    struct Route: Sendable {
        var client: HTTPClient
        var proxy: NetworkOptions.Proxy?
    }

    let direct: HTTPClient
    let proxied: HTTPClient?
    let options: NetworkOptions
    /// Trust as the clients were built with it, for the diagnosis of a refused certificate.
    let tls: TLSConfiguration

    /// Every call directly through `client` (tests, the in-process demo); the caller owns its lifetime.
    public init(_ client: HTTPClient) {
        direct = client
        proxied = nil
        options = NetworkOptions()
        tls = .makeClientConfiguration()
    }

    init(direct: HTTPClient, proxied: HTTPClient?, options: NetworkOptions, tls: TLSConfiguration) {
        self.direct = direct
        self.proxied = proxied
        self.options = options
        self.tls = tls
    }

    /// Builds the clients for `options`, runs `body`, and shuts them down. Throws ``NetworkSetupError`` — before
    /// anything is sent — when the CA bundle cannot be read.
    public static func with<Return>(
        _ options: NetworkOptions, isolation: isolated (any Actor)? = #isolation,
        _ body: (GeminiDBHTTP) async throws -> Return
    ) async throws -> Return {
        let tls = try tlsConfiguration(options)
        var directConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        // The client's semaphore (`cloud.concurrency`) is the one limit on calls in flight: AsyncHTTPClient's own
        // default of 8 connections per host would otherwise cap a region at 8 calls, whatever the config says.
        directConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // A connection that cannot be made fails its calls at once, as "never sent", and `RetryPolicy` retries
        // them with jittered backoff. AsyncHTTPClient's own retrying would keep each call until its deadline:
        // an endpoint refusing connections or a name that does not resolve cost cloud.timeout per attempt (a
        // 200-pair pass took 8 minutes), a refused certificate the same, and a proxy refusing the credentials
        // was asked again and again.
        directConfiguration.connectionPool.retryConnectionEstablishment = false
        return try await HTTPClient.withHTTPClient(configuration: directConfiguration) { direct in
            guard let proxy = options.proxy else {
                return try await body(GeminiDBHTTP(direct: direct, proxied: nil, options: options, tls: tls))
            }
            var proxiedConfiguration = directConfiguration
            let authorization = proxy.user.map {
                HTTPClient.Authorization.basic(username: $0, password: proxy.password?.exposedValue ?? "")
            }
            proxiedConfiguration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
            return try await HTTPClient.withHTTPClient(configuration: proxiedConfiguration) { proxied in
                try await body(GeminiDBHTTP(direct: direct, proxied: proxied, options: options, tls: tls))
            }
        }
    }

    /// Connections per host at most: the largest `cloud.concurrency` the config accepts.
    static let connectionsPerHost = 256

    /// Full verification against the system trust plus ``NetworkOptions/additionalCAFile``.
    static func tlsConfiguration(_ options: NetworkOptions) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let file = options.additionalCAFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(file)
            } catch {
                throw NetworkSetupError(description: "cloud.ca_file \(file): not a readable PEM certificate bundle")
            }
            guard !certificates.isEmpty else {
                throw NetworkSetupError(description: "cloud.ca_file \(file): holds no PEM certificate")
            }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        return tls
    }

    func route(host: String, port: Int) -> Route {
        if let proxied, let proxy = options.proxy, proxy.applies(host, port) {
            return Route(client: proxied, proxy: proxy)
        }
        return Route(client: direct, proxy: nil)
    }
}
