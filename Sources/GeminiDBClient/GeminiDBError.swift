import GeminiDBAPI

/// What can go wrong calling GeminiDB. Messages name what to check; they never contain credentials.
public enum GeminiDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The API answered with an error body.
    case api(httpStatus: Int, code: String, message: String, requestID: String?)
    /// 401: the token or AK/SK signature was refused (after one token refetch for password auth).
    case unauthorized(code: String, message: String, requestID: String?)
    /// 429 after every retry; `retryAfter` as the gateway last asked.
    case throttled(retryAfter: Duration?)
    /// The request could not be sent or the connection failed (for a POST: before the request went out).
    case transport(String)
    /// No answer within the configured timeout (reads only; a POST becomes ``outcomeUnknown(_:)``).
    case timeout
    /// A POST was sent but no answer came back: it may or may not have taken effect. Read the live status.
    case outcomeUnknown(String)
    /// The answer could not be decoded.
    case decoding(String)
    /// The calling task was cancelled.
    case cancelled

    /// Worth trying again later (the client has already retried within its policy).
    public var isRetryable: Bool {
        switch self {
        case .api(let status, let code, _, _):
            status >= 500 || status == 429
                || (APIErrorCode.retryable.contains(code) && [400, 403, 409, 500].contains(status))
        case .throttled, .transport, .timeout: true
        case .unauthorized, .outcomeUnknown, .decoding, .cancelled: false
        }
    }

    /// The API's error code, when the API answered with one.
    public var apiCode: String? {
        switch self {
        case .api(_, let code, _, _), .unauthorized(let code, _, _): code
        case .throttled: "APIGW.0308"
        default: nil
        }
    }

    /// A POST may or may not have taken effect: settle it from the live status, do not resend blindly.
    public var outcomeIsUnknown: Bool {
        if case .outcomeUnknown = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .api(let status, let code, let message, let requestID):
            "GeminiDB API error \(status) \(code): \(message)\(Self.requestSuffix(requestID))"
        case .unauthorized(let code, let message, let requestID):
            "authentication refused (\(code): \(message))\(Self.requestSuffix(requestID)); "
                + "check cloud.auth in the config and the credential files"
        case .throttled(let retryAfter):
            "throttled by the API gateway (APIGW.0308)"
                + (retryAfter.map { ", asked to retry after \($0.components.seconds)s" } ?? "")
                + "; set cloud.rate_limit below the gateway's quota or retry later"
        case .transport(let detail):
            "could not reach the GeminiDB endpoint: \(detail); check cloud.endpoints and the network"
        case .timeout:
            "no answer within cloud.timeout; the endpoint is slow or unreachable"
        case .outcomeUnknown(let detail):
            "request sent but no answer (\(detail)); it may or may not have taken effect, read the live status"
        case .decoding(let detail):
            "unexpected answer from the GeminiDB API: \(detail)"
        case .cancelled:
            "cancelled"
        }
    }

    static func requestSuffix(_ requestID: String?) -> String {
        requestID.map { " [request id \($0)]" } ?? ""
    }
}
