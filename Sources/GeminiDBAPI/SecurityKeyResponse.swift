/// A temporary AK/SK and its security token, as the ECS metadata service's `GET /openstack/latest/securitykey`
/// and IAM's `POST /v3.0/OS-CREDENTIAL/securitytokens` answer: `{"credential": {"access", "secret",
/// "securitytoken", "expires_at"}}`. Its description never shows the secret or the token.
public struct SecurityKeyResponse: Sendable, Equatable, Codable, CustomStringConvertible {
    public var credential: Credential

    public init(credential: Credential) { self.credential = credential }

    public struct Credential: Sendable, Equatable, Codable {
        public var access: String
        public var secret: String
        public var securitytoken: String
        /// RFC 3339 with fractional seconds, as IAM writes it: `2026-12-07T22:10:00.000000Z`.
        public var expiresAt: String

        public init(access: String, secret: String, securitytoken: String, expiresAt: String) {
            self.access = access
            self.secret = secret
            self.securitytoken = securitytoken
            self.expiresAt = expiresAt
        }

        enum CodingKeys: String, CodingKey {
            case access, secret, securitytoken
            case expiresAt = "expires_at"
        }
    }

    public var description: String { "SecurityKeyResponse(access: <redacted>, expires_at: \(credential.expiresAt))" }
}
