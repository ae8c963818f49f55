import Foundation
import GeminiDBAPI

/// How the client authenticates. Values are ``Secret``s: they never print.
public enum Credentials: Sendable, Equatable {
    /// AK/SK request signing (`SDK-HMAC-SHA256`).
    case aksk(ak: Secret, sk: Secret)
    /// IAM password: tokens fetched per region (project scope = region name), cached, refreshed.
    case password(iamEndpoint: URL, domain: String, user: String, password: Secret)
    /// A ready `X-Auth-Token`; on 401 the call fails (nothing to refresh).
    case token(Secret)
    /// The ECS agency's temporary key from the instance metadata service at `endpoint` (`http://169.254.169.254`
    /// in production): fetched when first needed, refreshed before it expires, kept in memory only.
    case metadata(endpoint: URL)
    /// A temporary key and its security token from files a rotation job replaces (`aksk` + `security_token_file`).
    case keyFiles(TemporaryKeyFiles)

    /// The metadata service every ECS reaches; `cloud.auth.metadata_endpoint` overrides it on loopback only.
    public static let metadataEndpoint = URL(string: "http://169.254.169.254")!

    /// `aksk`, `password`, `token` or `metadata`, for logs and `check`.
    public var method: String {
        switch self {
        case .aksk, .keyFiles: "aksk"
        case .password: "password"
        case .token: "token"
        case .metadata: "metadata"
        }
    }
}
