import Foundation
import GeminiDBAPI

extension EmulatorEngine {
    static let metadataTokenPath = ["meta-data", "latest", "api", "token"]
    static let securityKeyPath = ["openstack", "latest", "securitykey"]
    static let noAgencyText = "Please configure Cloud Service Agency first"

    /// How the metadata service behaves now.
    public func metadataSettings() -> EmulatorMetadata { temporaryKeys.settings }

    /// Replaces how the metadata service behaves (keys already issued keep their expiry).
    public func setMetadata(_ settings: EmulatorMetadata) { temporaryKeys.settings = settings }

    /// The ECS metadata service's two paths, or nil for any other request.
    func metadataRoute(_ request: EmulatorRequest) -> EmulatorResponse? {
        let segments = request.segments
        if segments == Self.metadataTokenPath {
            guard request.method == "PUT" else { return .text(405, "Method Not Allowed") }
            guard temporaryKeys.settings.sessionTokens else { return .text(404, "Not Found") }
            guard let ttlText = request.headers["x-metadata-token-ttl-seconds"], let ttl = Int(ttlText),
                (1...21_600).contains(ttl)
            else { return .text(400, "X-Metadata-Token-Ttl-Seconds must be from 1 to 21600") }
            let token = "mdt" + newRequestID() + newRequestID()
            temporaryKeys.sessionTokens = temporaryKeys.sessionTokens.filter { $0.value > now }
            temporaryKeys.sessionTokens[token] = now.addingTimeInterval(TimeInterval(ttl))
            return .text(200, token)
        }
        guard segments == Self.securityKeyPath else { return nil }
        guard request.method == "GET" else { return .text(405, "Method Not Allowed") }
        if let token = request.headers["x-metadata-token"] {
            guard let expiry = temporaryKeys.sessionTokens[token], now < expiry else {
                return .text(401, "Unauthorized: the metadata token is invalid or has expired")
            }
        }
        guard temporaryKeys.settings.agency else { return .text(401, Self.noAgencyText) }
        return .json(200, issueTemporaryKey())
    }

    /// A new temporary AK/SK and security token, valid for the configured lifetime.
    public func issueTemporaryKey() -> SecurityKeyResponse {
        let access = "TMPAK" + String(newRequestID().prefix(15)).uppercased()
        let issued = EmulatorTemporaryKeys.Issued(
            secret: newRequestID() + newRequestID().prefix(8),
            securityToken: "gQpzdGstdG9rZW4" + newRequestID()
                + newRequestID() + newRequestID(),
            expiresAt: now.addingTimeInterval(TimeInterval(temporaryKeys.settings.keyLifetimeSeconds)))
        temporaryKeys.keys = temporaryKeys.keys.filter { $0.value.expiresAt > now }
        temporaryKeys.keys[access] = issued
        let credential = SecurityKeyResponse.Credential(
            access: access, secret: issued.secret, securitytoken: issued.securityToken,
            expiresAt: WireTime.iamTime(issued.expiresAt))
        if temporaryKeys.issued.count < EmulatorTemporaryKeys.maxIssuedKept { temporaryKeys.issued.append(credential) }
        return SecurityKeyResponse(credential: credential)
    }

    /// Checks a request signed with a temporary key: a key this emulator issued, not expired, its security token
    /// sent and signed. The gateway answers each failure 401.
    func authenticateTemporaryKey(
        _ request: EmulatorRequest, authorization: AKSKSigner.AuthorizationHeader, projectID: String
    ) -> Result<String, AuthFailure> {
        let headers = request.headers
        guard let issued = temporaryKeys.keys[authorization.accessKey] else {
            return .failure(AuthFailure(method: "aksk", reason: "the temporary key is unknown or revoked"))
        }
        guard let token = headers["x-security-token"] else {
            return .failure(AuthFailure(method: "aksk", reason: "X-Security-Token is missing for a temporary key"))
        }
        guard AKSKSigner.constantTimeEqual(token, issued.securityToken) else {
            return .failure(AuthFailure(method: "aksk", reason: "the security token is invalid"))
        }
        guard now < issued.expiresAt else {
            return .failure(AuthFailure(method: "aksk", reason: "the security token has expired"))
        }
        guard authorization.signedHeaders.contains("x-security-token") else {
            return .failure(AuthFailure(method: "aksk", reason: "header x-security-token is not signed"))
        }
        let received = ReceivedRequest(
            method: request.method, target: request.target, header: { headers[$0] }, body: request.body)
        switch AKSKSigner.verify(
            received, accessKey: Secret(authorization.accessKey), secretKey: Secret(issued.secret), now: now)
        {
        case .success:
            guard headers["x-project-id"] == projectID else {
                return .failure(
                    AuthFailure(method: "aksk", reason: "X-Project-Id is missing or does not match the URL"))
            }
            return .success("temporary-key")
        case .failure(let failure):
            return .failure(AuthFailure(method: "aksk", reason: "verify aksk signature fail: \(failure)"))
        }
    }

    /// `/_emulator/metadata` and `/_emulator/temporary-keys[/ACCESS]`, or nil for another control path.
    func metadataControl(_ request: EmulatorRequest, _ segments: [String]) -> EmulatorResponse? {
        switch (request.method, segments) {
        case ("GET", ["metadata"]):
            return .json(200, temporaryKeys.settings)
        case ("PUT", ["metadata"]):
            guard let new = try? JSONDecoder().decode(EmulatorMetadata.self, from: Data(request.body)) else {
                return .error(400, APIErrorCode.badParameter, "The body is not a metadata document.")
            }
            if let problem = new.problem { return .error(400, APIErrorCode.badParameter, problem) }
            temporaryKeys.settings = new
            return .json(200, new)
        case ("GET", ["temporary-keys"]):
            // The keys handed out, secrets included: for leak tests, which look for them in syncwindow's output.
            // (On an ECS, anything on the host can read the metadata service just the same.)
            struct Issued: Encodable { var credentials: [SecurityKeyResponse.Credential] }
            return .json(200, Issued(credentials: temporaryKeys.issued))
        case ("DELETE", let parts) where parts.count == 2 && parts[0] == "temporary-keys":
            // One key revoked (a rotation job retiring the old one); every other stays valid.
            guard temporaryKeys.keys.removeValue(forKey: parts[1]) != nil else {
                return .error(404, "EMULATOR.404", "No such temporary key.")
            }
            return EmulatorResponse(status: 204)
        case ("POST", ["temporary-keys"]):
            // What IAM's securitytokens API would hand a rotation job.
            return .json(201, issueTemporaryKey())
        default:
            return nil
        }
    }
}

extension EmulatorResponse {
    /// A plain-text answer, as the metadata service gives.
    static func text(_ status: Int, _ text: String) -> EmulatorResponse {
        EmulatorResponse(
            status: status, headers: [HTTPHeaderField("Content-Type", "text/plain")], body: Array(text.utf8))
    }
}
