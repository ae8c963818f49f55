/// The `Retry-After` header of a 429: delay-seconds (RFC 9110 §10.2.3). Whatever else a gateway or a
/// proxy sends — a negative, NaN, infinite or absurdly large number, an HTTP date — is no delay to honour.
enum RetryAfter {
    /// Longer than any delay worth honouring; ``RetryPolicy/maxRetryAfter`` cuts it further.
    static let longest: Double = 86_400

    /// The delay asked for, or nil when the header is absent or unusable (the caller backs off instead).
    /// (`Retry-After: 1e300` used to trap converting to milliseconds; found by fuzzing.)
    static func duration(_ header: String?) -> Duration? {
        guard let header, let seconds = Double(header), seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64(min(seconds, longest) * 1000))
    }
}
