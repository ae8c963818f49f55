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

    /// `aksk`, `password` or `token`, for logs.
    public var method: String {
        switch self {
        case .aksk: "aksk"
        case .password: "password"
        case .token: "token"
        }
    }
}
