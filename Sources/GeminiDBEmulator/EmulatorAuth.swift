import GeminiDBAPI

/// The credentials the emulator accepts: one method, so a caller signing or logging in another way is refused.
public enum EmulatorAuth: Sendable, Equatable {
    /// AK/SK signatures by this key pair.
    case aksk(accessKey: Secret, secretKey: Secret)
    /// Tokens its IAM issues for this domain, user and password.
    case password(domain: String, user: String, password: Secret)
    /// This one static `X-Auth-Token`.
    case token(Secret)
}
