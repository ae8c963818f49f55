import Crypto
import Foundation

/// Why a signed request was refused. Never carries key material.
public enum AKSKVerificationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case missingAuthorization
    case malformedAuthorization
    case unknownAccessKey
    case missingDate
    case malformedDate
    case clockSkew
    case headerNotSigned(String)
    case signatureMismatch

    public var description: String {
        switch self {
        case .missingAuthorization: "no Authorization header"
        case .malformedAuthorization:
            "Authorization header is not SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…"
        case .unknownAccessKey: "unknown access key"
        case .missingDate: "no X-Sdk-Date header"
        case .malformedDate: "X-Sdk-Date is not yyyyMMddTHHmmssZ"
        case .clockSkew: "X-Sdk-Date is more than 15 minutes away from the server's clock"
        case .headerNotSigned(let name): "header \(name) is not signed"
        case .signatureMismatch: "signature does not match"
        }
    }
}

/// A request as the server received it, for verification.
public struct ReceivedRequest: Sendable {
    public var method: String
    /// The request target as received: raw path, then `?query` if any.
    public var target: String
    /// Header value by lower-case name (`host` included).
    public var header: @Sendable (String) -> String?
    public var body: [UInt8]

    public init(method: String, target: String, header: @escaping @Sendable (String) -> String?, body: [UInt8]) {
        self.method = method
        self.target = target
        self.header = header
        self.body = body
    }
}

extension AKSKSigner {
    /// The parts of an `Authorization: SDK-HMAC-SHA256 …` header.
    public struct AuthorizationHeader: Sendable, Equatable {
        public var accessKey: String
        public var signedHeaders: [String]
        public var signature: String

        public init?(_ value: String) {
            let prefix = AKSKSigner.algorithm + " "
            guard value.hasPrefix(prefix) else { return nil }
            var fields: [String: String] = [:]
            for part in value.dropFirst(prefix.count).split(separator: ",") {
                let trimmed = part.trimmingCharacters(in: .whitespaces)
                guard let eq = trimmed.firstIndex(of: "=") else { return nil }
                fields[String(trimmed[..<eq])] = String(trimmed[trimmed.index(after: eq)...])
            }
            guard let access = fields["Access"], let signed = fields["SignedHeaders"],
                let signature = fields["Signature"], !access.isEmpty, !signed.isEmpty, !signature.isEmpty
            else { return nil }
            self.accessKey = access
            self.signedHeaders = signed.split(separator: ";").map(String.init)
            self.signature = signature
        }
    }

    /// Splits a raw query string into decoded items (`k` without `=` has an empty value).
    public static func parseQuery(_ raw: Substring) -> [QueryItem] {
        raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: "=") {
                return QueryItem(
                    PercentEncoding.decode(String(pair[..<eq])),
                    PercentEncoding.decode(String(pair[pair.index(after: eq)...])))
            }
            return QueryItem(PercentEncoding.decode(String(pair)), "")
        }
    }

    /// Checks a received request as the API gateway does: the access key, `host` and `x-sdk-date` among the
    /// signed headers, the date within `maxSkew` of `now`, and the signature over the canonical request.
    public static func verify(
        _ request: ReceivedRequest, accessKey: Secret, secretKey: Secret, now: Date,
        maxSkew: TimeInterval = 15 * 60
    ) -> Result<Void, AKSKVerificationFailure> {
        guard let rawAuthorization = request.header("authorization") else { return .failure(.missingAuthorization) }
        guard let authorization = AuthorizationHeader(rawAuthorization) else {
            return .failure(.malformedAuthorization)
        }
        guard constantTimeEqual(authorization.accessKey, accessKey.exposedValue) else {
            return .failure(.unknownAccessKey)
        }
        guard let dateValue = request.header("x-sdk-date") else { return .failure(.missingDate) }
        guard let date = WireTime.parseSDKDate(dateValue) else { return .failure(.malformedDate) }
        guard abs(date.timeIntervalSince(now)) <= maxSkew else { return .failure(.clockSkew) }
        for required in ["host", "x-sdk-date"] where !authorization.signedHeaders.contains(required) {
            return .failure(.headerNotSigned(required))
        }
        let path: Substring
        let query: [QueryItem]
        if let mark = request.target.firstIndex(of: "?") {
            path = request.target[..<mark]
            query = parseQuery(request.target[request.target.index(after: mark)...])
        } else {
            path = Substring(request.target)
            query = []
        }
        let canonical = canonicalRequest(
            method: request.method, path: String(path), query: query,
            headerValue: { name in request.header(name).map(strip) }, signedHeaders: authorization.signedHeaders,
            bodyHash: bodyHash(request.body, contentHashHeader: request.header("x-sdk-content-sha256")))
        let expected = signature(
            stringToSign: stringToSign(canonicalRequest: canonical, date: dateValue), secretKey: secretKey)
        guard constantTimeEqual(expected, authorization.signature) else { return .failure(.signatureMismatch) }
        return .success(())
    }

    /// Compares without an early exit, so timing does not reveal how much of a secret matched.
    public static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
