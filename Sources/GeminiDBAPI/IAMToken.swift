/// `POST /v3/auth/tokens` body for the password method, scoped to a project by name (the region).
public struct IAMTokenRequest: Sendable, Equatable, Codable {
    public var auth: Auth

    public init(domain: String, user: String, password: String, projectName: String) {
        auth = Auth(
            identity: .init(
                methods: ["password"],
                password: .init(user: .init(name: user, password: password, domain: .init(name: domain)))
            ),
            scope: .init(project: .init(name: projectName, id: nil))
        )
    }

    public struct Auth: Sendable, Equatable, Codable {
        public var identity: Identity
        public var scope: Scope?
    }
    public struct Identity: Sendable, Equatable, Codable {
        public var methods: [String]
        public var password: Password?
    }
    public struct Password: Sendable, Equatable, Codable {
        public var user: User
    }
    public struct User: Sendable, Equatable, Codable {
        public var name: String?
        public var id: String?
        public var password: String
        public var domain: Named?

        public init(name: String?, id: String? = nil, password: String, domain: Named?) {
            self.name = name
            self.id = id
            self.password = password
            self.domain = domain
        }
    }
    public struct Named: Sendable, Equatable, Codable {
        public var name: String?
        public var id: String?

        public init(name: String?, id: String? = nil) {
            self.name = name
            self.id = id
        }
    }
    public struct Scope: Sendable, Equatable, Codable {
        public var project: Named?
        public var domain: Named?

        public init(project: Named?, domain: Named? = nil) {
            self.project = project
            self.domain = domain
        }
    }
}

/// The 201 body of `POST /v3/auth/tokens` (the token itself is in the `X-Subject-Token` header).
public struct IAMTokenResponse: Sendable, Equatable, Codable {
    public var token: Token

    public init(token: Token) { self.token = token }

    public struct Token: Sendable, Equatable, Codable {
        /// RFC 3339 with fractional seconds, e.g. `2026-11-30T10:00:00.000000Z`.
        public var expiresAt: String
        public var issuedAt: String?
        public var methods: [String]?
        public var project: Project?

        public init(expiresAt: String, issuedAt: String? = nil, methods: [String]? = nil, project: Project? = nil) {
            self.expiresAt = expiresAt
            self.issuedAt = issuedAt
            self.methods = methods
            self.project = project
        }

        enum CodingKeys: String, CodingKey {
            case expiresAt = "expires_at"
            case issuedAt = "issued_at"
            case methods, project
        }
    }

    public struct Project: Sendable, Equatable, Codable {
        public var id: String?
        public var name: String?

        public init(id: String?, name: String?) {
            self.id = id
            self.name = name
        }
    }
}
