/// The error body of the API: `{"error_code","error_msg"}`, plus `request_id` for gateway errors.
public struct APIErrorBody: Sendable, Equatable, Codable {
    public var errorCode: String
    public var errorMessage: String
    public var requestID: String?

    public init(errorCode: String, errorMessage: String, requestID: String? = nil) {
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case errorCode = "error_code"
        case errorMessage = "error_msg"
        case requestID = "request_id"
    }
}

/// Error codes the project relies on.
public enum APIErrorCode {
    /// 400: parameter error.
    public static let badParameter = "DBS.200001"
    /// 404: instance not found.
    public static let instanceNotFound = "DBS.200002"
    /// 403: the instance status does not allow the operation.
    public static let statusDoesNotAllow = "DBS.200011"
    /// 403: the instance status does not allow the operation (variant).
    public static let statusDoesNotAllowAlt = "DBS.200018"
    /// 403: another operation is in progress, or the instance is faulty.
    public static let operationInProgress = "DBS.200019"
    /// 401: bad token or AK/SK signature.
    public static let unauthorized = "APIGW.0301"
    /// 403: not allowed.
    public static let forbidden = "APIGW.0302"
    /// 429: throttled.
    public static let throttled = "APIGW.0308"
    /// Codes that clear up by themselves; retried on 400/403/409/500 (as Terraform's provider does).
    public static let retryable: Set<String> = ["DBS.200019", "DBS.201015", "DBS.280005"]
}
