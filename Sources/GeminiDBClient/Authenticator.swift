import Foundation
import GeminiDBAPI

/// One set of credentials (`cloud.auth` or a profile) with its caches: IAM tokens by region, or the temporary key.
struct Authenticator: Sendable {
    let credentials: Credentials
    let tokens: TokenCache?
    let keys: TemporaryKeyCache?

    init(_ credentials: Credentials, transport: HTTPTransport) {
        self.credentials = credentials
        let now = transport.configuration.now
        switch credentials {
        case .password(let iamEndpoint, let domain, let user, let password):
            let iam = transport.configuration.iamEndpoint ?? iamEndpoint
            tokens = TokenCache(now: now) { region throws(GeminiDBError) in
                try await transport.fetchToken(
                    iamEndpoint: iam, domain: domain, user: user, password: password, region: region)
            }
            keys = nil
        case .metadata(let endpoint):
            let fetcher = MetadataKeyFetcher(endpoint: endpoint, transport: transport)
            tokens = nil
            keys = TemporaryKeyCache(now: now) { () throws(GeminiDBError) in try await fetcher.fetch() }
        case .keyFiles(let files):
            tokens = nil
            keys = TemporaryKeyCache(now: now, changeStamp: { files.changeStamp() }) { () throws(GeminiDBError) in
                do {
                    return try files.read()
                } catch {
                    throw .unauthorized(code: "SYNCWINDOW.KEY_FILES", message: "\(error)", requestID: nil)
                }
            }
        case .aksk, .token:
            tokens = nil
            keys = nil
        }
    }

    func authorization(for instance: InstanceRef) -> HTTPTransport.Authorization {
        switch credentials {
        case .aksk(let ak, let sk): .aksk(AKSKSigner(accessKey: ak, secretKey: sk), projectID: instance.projectID)
        case .token(let token): .staticToken(token)
        case .password: .iamToken(tokens!, region: instance.region)
        case .metadata, .keyFiles: .temporaryKey(keys!, projectID: instance.projectID)
        }
    }

    /// Fetches the temporary key now, if these credentials use one; its expiry, if known.
    func prepare() async throws(GeminiDBError) -> Date? {
        guard let keys else { return nil }
        return try await keys.key().expiresAt
    }
}
