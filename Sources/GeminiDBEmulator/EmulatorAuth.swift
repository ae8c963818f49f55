import GeminiDBAPI

/// The credentials the emulator accepts: one method, so a caller signing or logging in another way is refused.
public enum EmulatorAuth: Sendable, Equatable {
    /// AK/SK signatures by this key pair.
    case aksk(accessKey: Secret, secretKey: Secret)
    /// Tokens its IAM issues for this domain, user and password.
    case password(domain: String, user: String, password: Secret)
    /// This one static `X-Auth-Token`.
    case token(Secret)
    /// Temporary keys with their security tokens: those its metadata service and control API issue, and
    /// `accepting` (a rotation job's files), each valid for the metadata document's key lifetime from the start.
    case temporaryKeys(accepting: [TemporaryKey])

    /// A temporary AK/SK and its security token.
    public struct TemporaryKey: Sendable, Equatable {
        public var accessKey: Secret
        public var secretKey: Secret
        public var securityToken: Secret

        public init(accessKey: Secret, secretKey: Secret, securityToken: Secret) {
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.securityToken = securityToken
        }
    }
}
