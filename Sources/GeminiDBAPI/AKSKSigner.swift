import Crypto
import Foundation

/// One HTTP header as given to the signer (name case preserved).
public struct HTTPHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One query parameter, not encoded. Repeated keys are separate items.
public struct QueryItem: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What the signer needs of a request: the parts the SDK's `SdkRequest` carries.
public struct SignableRequest: Sendable, Equatable {
    public var method: String
    /// The authority as sent in `Host`: `host` or `host:port`.
    public var host: String
    /// The resource path as it goes on the wire (path parameters already percent-encoded).
    public var path: String
    public var query: [QueryItem]
    public var headers: [HTTPHeaderField]
    public var body: [UInt8]

    public init(
        method: String, host: String, path: String, query: [QueryItem] = [], headers: [HTTPHeaderField] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A signed request: every header to send and the path with its canonical query string.
public struct SignedRequest: Sendable, Equatable {
    /// The request's headers plus `X-Sdk-Date`, `Host` and `Authorization`.
    public var headers: [HTTPHeaderField]
    /// `path?canonical-query`, what goes on the request line (the SDK sends the canonical query).
    public var pathAndQuery: String
    public var canonicalRequest: String
    public var stringToSign: String
    public var authorization: String
}

/// AK/SK request signing, `SDK-HMAC-SHA256`, byte for byte as `huaweicloudsdkcore.signer.signer.Signer`.
public struct AKSKSigner: Sendable {
    public static let algorithm = "SDK-HMAC-SHA256"
    public static let dateHeader = "X-Sdk-Date"
    public static let contentHashHeader = "X-Sdk-Content-Sha256"
    /// The security token of a temporary key (ECS agency, IAM `securitytokens`): sent with every request and
    /// signed with the other headers, as the SDK's `BasicCredentials` adds it before signing.
    public static let securityTokenHeader = "X-Security-Token"
    static let emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    let accessKey: Secret
    let secretKey: Secret
    /// Set for a temporary key; nil for a permanent one.
    let securityToken: Secret?

    public init(accessKey: Secret, secretKey: Secret, securityToken: Secret? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.securityToken = securityToken
    }

    /// Signs `request` as of `date` (ignored when the request already carries `X-Sdk-Date`).
    public func sign(_ request: SignableRequest, at date: Date) -> SignedRequest {
        var headers = request.headers
        if let securityToken { Self.setHeader(Self.securityTokenHeader, securityToken.exposedValue, in: &headers) }
        if let contentType = Self.header("content-type", in: headers),
            !contentType.hasPrefix("application/json"), !contentType.hasPrefix("application/bson")
        {
            Self.setHeader(Self.contentHashHeader, "UNSIGNED-PAYLOAD", in: &headers)
        }
        let dateValue: String
        if let given = Self.header("x-sdk-date", in: headers) {
            dateValue = given
        } else {
            dateValue = WireTime.sdkDate(date)
            Self.setHeader(Self.dateHeader, dateValue, in: &headers)
        }
        if Self.header("host", in: headers) == nil {
            Self.setHeader("Host", request.host, in: &headers)
        }
        let signedHeaders = Self.signedHeaderNames(headers)
        var canonicalHeaders: [String: String] = [:]
        for field in headers {
            canonicalHeaders[field.name.lowercased()] = Self.strip(field.value)
        }
        for index in headers.indices { headers[index].value = Self.strip(headers[index].value) }
        let canonical = Self.canonicalRequest(
            method: request.method, path: request.path, query: request.query,
            headerValue: { canonicalHeaders[$0] }, signedHeaders: signedHeaders,
            bodyHash: Self.bodyHash(request.body, contentHashHeader: Self.header("x-sdk-content-sha256", in: headers))
        )
        let stringToSign = Self.stringToSign(canonicalRequest: canonical, date: dateValue)
        let signature = Self.signature(stringToSign: stringToSign, secretKey: secretKey)
        let authorization =
            "\(Self.algorithm) Access=\(accessKey.exposedValue), SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
        headers.append(HTTPHeaderField("Authorization", authorization))
        let query = Self.canonicalQueryString(request.query)
        return SignedRequest(
            headers: headers, pathAndQuery: query.isEmpty ? request.path : "\(request.path)?\(query)",
            canonicalRequest: canonical, stringToSign: stringToSign, authorization: authorization)
    }

    // MARK: - The canonical parts, shared with the verifier.

    static func canonicalRequest(
        method: String, path: String, query: [QueryItem], headerValue: (String) -> String?, signedHeaders: [String],
        bodyHash: String
    ) -> String {
        let headerLines = signedHeaders.map { "\($0):\(headerValue($0) ?? "")\n" }.joined()
        return [
            method.uppercased(), canonicalURI(path), canonicalQueryString(query), headerLines,
            signedHeaders.joined(separator: ";"), bodyHash,
        ].joined(separator: "\n")
    }

    /// Each segment of the decoded path encoded again, always ending in `/`.
    public static func canonicalURI(_ path: String) -> String {
        let decoded = PercentEncoding.decode(path)
        var uri = decoded.split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode(String($0)) }
            .joined(separator: "/")
        if uri.last != "/" { uri += "/" }
        return uri
    }

    /// `k=v` pairs sorted by key then value (code-point order, as Python sorts), encoded, joined by `&`.
    public static func canonicalQueryString(_ query: [QueryItem]) -> String {
        query.sorted { lhs, rhs in
            if lhs.name != rhs.name { return codePointLess(lhs.name, rhs.name) }
            return codePointLess(lhs.value, rhs.value)
        }
        .map { "\(PercentEncoding.encode($0.name))=\(PercentEncoding.encode($0.value))" }
        .joined(separator: "&")
    }

    static func signedHeaderNames(_ headers: [HTTPHeaderField]) -> [String] {
        var seen = Set<String>()
        var names: [String] = []
        for field in headers where !field.name.contains("_") {
            let name = field.name.lowercased()
            if seen.insert(name).inserted { names.append(name) }
        }
        return names.sorted(by: codePointLess)
    }

    static func bodyHash(_ body: [UInt8], contentHashHeader: String?) -> String {
        if body.isEmpty { return emptyBodyHash }
        if let contentHashHeader, !contentHashHeader.isEmpty { return contentHashHeader }
        return hex(SHA256.hash(data: body))
    }

    static func stringToSign(canonicalRequest: String, date: String) -> String {
        "\(algorithm)\n\(date)\n\(hex(SHA256.hash(data: Array(canonicalRequest.utf8))))"
    }

    static func signature(stringToSign: String, secretKey: Secret) -> String {
        let key = SymmetricKey(data: Array(secretKey.exposedValue.utf8))
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func codePointLess(_ lhs: String, _ rhs: String) -> Bool {
        lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars) { $0.value < $1.value }
    }

    /// Python's `str.strip()`: leading and trailing whitespace.
    static func strip(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func header(_ lowercasedName: String, in headers: [HTTPHeaderField]) -> String? {
        headers.last { $0.name.lowercased() == lowercasedName }?.value
    }

    static func setHeader(_ name: String, _ value: String, in headers: inout [HTTPHeaderField]) {
        if let index = headers.firstIndex(where: { $0.name == name }) {
            headers[index].value = value
        } else {
            headers.append(HTTPHeaderField(name, value))
        }
    }
}
