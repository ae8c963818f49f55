import Foundation
import GeminiDBAPI

/// Fetches the ECS agency's temporary key from the instance metadata service, as the official SDK's
/// `MetadataAccessor` does: `PUT /meta-data/latest/api/token` for a session token (where the service has none —
/// 404, 405, 503 — it goes on without), then `GET /openstack/latest/securitykey` with `X-Metadata-Token`. A 401
/// that is not "no agency" gets a new session token once. Unlike the SDK it retries an unreachable service like
/// any connection (``RetryPolicy``) and asks for a short-lived session token each time (see docs/design.md).
struct MetadataKeyFetcher: Sendable {
    static let tokenPath = "/meta-data/latest/api/token"
    static let securityKeyPath = "/openstack/latest/securitykey"
    static let tokenHeader = "X-Metadata-Token"
    static let tokenTTLHeader = "X-Metadata-Token-Ttl-Seconds"
    /// Seconds a session token lives: it is used at once, for one key fetch (the SDK asks for 6 hours and keeps it).
    static let sessionTokenTTL = 300
    /// What the metadata service answers, with 401, on an instance without an agency (the SDK looks for it too).
    static let noAgencyText = "Please configure Cloud Service Agency first"

    let endpoint: URL
    let transport: HTTPTransport

    func fetch() async throws(GeminiDBError) -> TemporaryKey {
        let token = try await sessionToken()
        do {
            return try await securityKey(token)
        } catch .unauthorized(let code, _, _) where token != nil && code != GeminiDBClient.noAgencyCode {
            // The session token was refused (expired, or the service restarted): one more, as the SDK does.
            return try await securityKey(try await sessionToken())
        }
    }

    /// A session token, or nil where the service hands out none.
    private func sessionToken() async throws(GeminiDBError) -> Secret? {
        let call = HTTPTransport.Call(
            method: .put, baseURL: endpoint, path: Self.tokenPath, query: [], body: nil, idempotent: true,
            operation: "metadata-token", instance: nil,
            headers: [HTTPHeaderField(Self.tokenTTLHeader, "\(Self.sessionTokenTTL)")])
        do {
            let exchange = try await transport.send(call, authorization: .none)
            let token = String(decoding: exchange.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return token.isEmpty ? nil : Secret(token)
        } catch .api(let status, _, _, _) where [404, 405, 503].contains(status) {
            return nil
        }
    }

    private func securityKey(_ token: Secret?) async throws(GeminiDBError) -> TemporaryKey {
        let call = HTTPTransport.Call(
            method: .get, baseURL: endpoint, path: Self.securityKeyPath, query: [], body: nil, idempotent: true,
            operation: "metadata-securitykey", instance: nil,
            headers: token.map { [HTTPHeaderField(Self.tokenHeader, $0.exposedValue)] } ?? [])
        let exchange: HTTPTransport.Exchange
        do {
            exchange = try await transport.send(call, authorization: .none)
        } catch .unauthorized(let code, let message, let requestID) {
            if message.contains(Self.noAgencyText) { throw noAgency(401, message) }
            throw .unauthorized(code: code, message: message, requestID: requestID)
        } catch .api(404, _, let message, _) {
            throw noAgency(404, message)
        }
        // Decoded without echoing the body: it holds the secret.
        guard let answer = try? JSONDecoder().decode(SecurityKeyResponse.self, from: Data(exchange.body)) else {
            throw .decoding("the metadata service's securitykey answer is not {\"credential\": {…}}")
        }
        let credential = answer.credential
        guard let expiresAt = WireTime.parseRFC3339(credential.expiresAt) else {
            throw .decoding("the metadata service's key has an unreadable expires_at '\(credential.expiresAt)'")
        }
        return TemporaryKey(
            accessKey: Secret(credential.access), secretKey: Secret(credential.secret),
            securityToken: Secret(credential.securitytoken), expiresAt: expiresAt)
    }

    private func noAgency(_ status: Int, _ text: String) -> GeminiDBError {
        let said = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return .unauthorized(
            code: GeminiDBClient.noAgencyCode,
            message: "the metadata service at \(endpoint.absoluteString) answered \(status) (\(said)): "
                + "this instance has no cloud service agency; attach one to the ECS (IAM agency for ECS with "
                + "GeminiDB rights), or use another cloud.auth method",
            requestID: nil)
    }
}
