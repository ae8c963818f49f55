import Foundation
import GeminiDBAPI

extension EmulatorEngine {
    /// Why credentials were refused; `reason` goes into the 401 body (never a secret).
    struct AuthFailure: Error, Sendable {
        var method: String
        var reason: String
    }

    /// Checks the request's credentials against the configured ones. Returns the auth method used.
    func authenticate(_ request: EmulatorRequest, projectID: String) -> Result<String, AuthFailure> {
        let headers = request.headers
        let accepted = configuration.projectAuth[projectID] ?? configuration.auth
        if let token = headers["x-auth-token"] {
            switch accepted {
            case .token(let expected):
                guard AKSKSigner.constantTimeEqual(token, expected.exposedValue) else {
                    return .failure(AuthFailure(method: "token", reason: "the token is invalid"))
                }
                return .success("token")
            case .password:
                guard let issued = tokens[token] else {
                    return .failure(AuthFailure(method: "token", reason: "the token is invalid or revoked"))
                }
                guard now < issued.expiresAt else {
                    return .failure(AuthFailure(method: "token", reason: "the token has expired"))
                }
                let regions = Set(instances.values.filter { $0.projectID == projectID }.map(\.region))
                guard regions.isEmpty || regions.contains(issued.region) else {
                    return .failure(AuthFailure(method: "token", reason: "the token is scoped to another project"))
                }
                return .success("token")
            case .aksk, .temporaryKeys:
                return .failure(AuthFailure(method: "token", reason: "tokens are not accepted here"))
            }
        }
        if let authorization = headers["authorization"], authorization.hasPrefix(AKSKSigner.algorithm) {
            if case .temporaryKeys = accepted {
                guard let parsed = AKSKSigner.AuthorizationHeader(authorization) else {
                    return .failure(AuthFailure(method: "aksk", reason: "verify aksk signature fail: malformed"))
                }
                return authenticateTemporaryKey(request, authorization: parsed, projectID: projectID)
            }
            guard case .aksk(let accessKey, let secretKey) = accepted else {
                return .failure(AuthFailure(method: "aksk", reason: "AK/SK is not accepted here"))
            }
            let received = ReceivedRequest(
                method: request.method, target: request.target, header: { headers[$0] }, body: request.body)
            switch AKSKSigner.verify(received, accessKey: accessKey, secretKey: secretKey, now: now) {
            case .success:
                guard let project = headers["x-project-id"], project == projectID else {
                    return .failure(
                        AuthFailure(method: "aksk", reason: "X-Project-Id is missing or does not match the URL"))
                }
                return .success("aksk")
            case .failure(let failure):
                return .failure(AuthFailure(method: "aksk", reason: "verify aksk signature fail: \(failure)"))
            }
        }
        return .failure(AuthFailure(method: "none", reason: "no X-Auth-Token and no AK/SK signature"))
    }

    /// `POST /v3/auth/tokens`: password method, checked against the configured domain, user and password.
    func issueToken(_ request: EmulatorRequest, requestID: String) -> EmulatorResponse {
        struct IAMError: Encodable {
            struct Detail: Encodable {
                var code: Int
                var title: String
                var message: String
            }
            var error: Detail
        }
        func refuse(_ status: Int, _ message: String) -> EmulatorResponse {
            .json(
                status,
                IAMError(
                    error: .init(code: status, title: status == 401 ? "Unauthorized" : "Bad Request", message: message))
            )
        }
        guard let body = try? JSONDecoder().decode(IAMTokenRequest.self, from: Data(request.body)) else {
            return refuse(400, "The request body is not a valid token request.")
        }
        // The password of `auth` or of another account's (`projectAuth`).
        let passwordAccounts = ([configuration.auth] + configuration.projectAuth.values).filter {
            if case .password = $0 { return true }
            return false
        }
        guard body.auth.identity.methods.contains("password"), let credentials = body.auth.identity.password?.user,
            passwordAccounts.contains(where: { account in
                guard case .password(let domain, let user, let password) = account else { return false }
                return credentials.name == user && credentials.domain?.name == domain
                    && AKSKSigner.constantTimeEqual(credentials.password, password.exposedValue)
            })
        else { return refuse(401, "The username or password is wrong.") }
        let regions = Set(instances.values.map(\.region))
        let projectName = body.auth.scope?.project?.name
        guard let projectName, regions.contains(projectName) else {
            return refuse(400, "The project in the scope does not exist.")
        }
        let projectID = instances.values.first { $0.region == projectName }?.projectID ?? ""
        let issued = now
        let expires = issued.addingTimeInterval(
            TimeInterval(configuration.tokenLifetime.components.seconds))
        let token = "MIIemu" + (0..<4).map { _ in newRequestID() }.joined()
        tokens[token] = (projectName, expires)
        let answer = IAMTokenResponse(
            token: .init(
                expiresAt: WireTime.iamTime(expires), issuedAt: WireTime.iamTime(issued), methods: ["password"],
                project: .init(id: projectID, name: projectName)))
        return .json(201, answer, headers: [HTTPHeaderField("X-Subject-Token", token)])
    }

    /// Every issued token and temporary key becomes invalid (the next call with one gets 401).
    public func revokeTokens() {
        tokens.removeAll()
        temporaryKeys.keys.removeAll()
    }
}
