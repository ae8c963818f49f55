import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// One request/response exchange with retries, timeouts, the concurrency limit and authentication.
struct HTTPTransport: Sendable {
    enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        /// The metadata service's session token.
        case put = "PUT"
    }

    struct Call: Sendable {
        var method: Method
        var baseURL: URL
        /// Percent-encoded resource path, starting with `/`.
        var path: String
        var query: [QueryItem]
        var body: [UInt8]?
        /// Safe to send twice (GET, token request): retried even when it may have reached the server.
        var idempotent: Bool
        var operation: String
        var instance: InstanceRef?
        /// Sent as well (the metadata service's token headers).
        var headers: [HTTPHeaderField] = []
        /// The API as the gateway meters it (`GET jobs`): with the instance's project, the call's
        /// ``RateLimiter`` bucket; nil: not paced (IAM).
        var api: String? = nil
    }

    enum Authorization: Sendable {
        case none
        case aksk(AKSKSigner, projectID: String)
        case staticToken(Secret)
        case iamToken(TokenCache, region: String)
        /// Signed with a temporary key and its security token (metadata service, key files).
        case temporaryKey(TemporaryKeyCache, projectID: String)
    }

    struct Exchange: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        var requestID: String? { headers.first(name: "X-Request-Id") }

        func decode<T: Decodable>(_ type: T.Type) throws(GeminiDBError) -> T {
            do {
                return try JSONDecoder().decode(type, from: Data(body))
            } catch {
                throw .decoding("\(T.self) from HTTP \(status): \(error)")
            }
        }
    }

    /// How one attempt ended without an HTTP answer.
    enum Failure: Error, Sendable {
        /// The request never left (connect refused or timed out, bad URL).
        case notSent(String)
        /// Sent, then the connection failed before a full answer.
        case sentNoAnswer(String)
        /// Never sent, and trying again cannot help: the server's TLS certificate or the proxy refused us.
        case refused(String)
        case timedOut
        case cancelled
    }

    let http: GeminiDBHTTP
    let configuration: GeminiDBClient.Configuration
    let semaphore: AsyncSemaphore
    /// `cloud.rate_limit`; nil: calls go as fast as the concurrency lets them.
    let pacing: RateLimiter?
    let logger: Logger

    static let maxBodyBytes = 4 * 1024 * 1024

    /// Sends `call`: one attempt at a time under the concurrency limit, each attempt's result
    /// classified (``classify(_:call:attempt:)``), retried with backoff while the verdict says so.
    func send(_ call: Call, authorization: Authorization) async throws(GeminiDBError) -> Exchange {
        var attempt = 0
        var refetchedToken = false
        var throttling = ThrottledRetries()
        var metadata: Logger.Metadata = ["http.method": "\(call.method.rawValue)", "operation": "\(call.operation)"]
        if let instance = call.instance {
            metadata["instance.id"] = "\(instance.instanceID)"
            metadata["instance.region"] = "\(instance.region)"
        }
        while true {
            attempt += 1
            metadata["attempt"] = "\(attempt)"
            let token = try await currentToken(authorization)
            let key = try await currentKey(authorization)
            let result = try await attemptOnce(call, authorization: authorization, token: token, key: key)
            if case .success(let exchange) = result {
                metadata["http.status"] = "\(exchange.status)"
                if let requestID = exchange.requestID { metadata["request.id"] = "\(requestID)" }
            } else {
                metadata["http.status"] = nil
            }
            let verdict = classify(result, call: call, attempt: attempt)
            switch verdict {
            case .answered(let exchange):
                logger.debug("GeminiDB request succeeded", metadata: metadata)
                return exchange
            case .unauthorized(let error):
                metadata["error.code"] = "\(error.apiCode ?? "")"
                if case .iamToken(let cache, let region) = authorization, let token, !refetchedToken {
                    // The token may have been revoked: fetch a new one once, then give up.
                    refetchedToken = true
                    attempt -= 1
                    await cache.invalidate(region: region, token: token)
                    logger.notice("GeminiDB token refused, fetching a new one", metadata: metadata)
                    continue
                }
                if case .temporaryKey(let cache, _) = authorization, let key, !refetchedToken {
                    // Revoked, or the agency changed: the metadata service (or the files) may have a newer one.
                    refetchedToken = true
                    attempt -= 1
                    await cache.invalidate(key)
                    logger.notice("GeminiDB temporary key refused, fetching a new one", metadata: metadata)
                    continue
                }
                // The metadata service's refusal ("no agency") is reported once, by its caller.
                logger.log(
                    level: call.operation.hasPrefix("metadata-") ? .debug : .error, "GeminiDB authentication refused",
                    metadata: metadata)
                throw error
            case .fail(let error, let severity):
                metadata["error.code"] = error.apiCode.map { "\($0)" }
                logger.log(level: severity, "\(Self.failureMessage(error))", metadata: metadata)
                throw error
            case .retry(let error, let delay):
                metadata["error.code"] = error.apiCode.map { "\($0)" }
                if case .throttled(let retryAfter) = error, let pacing, let key = pacingKey(call) {
                    // Paced: the whole bucket slows down and waits out Retry-After, and the retry queues in it
                    // without using up an attempt (those are for real failures), within the throttle budget.
                    await pacing.throttled(
                        key, retryAfter: retryAfter.map { min($0, configuration.retry.maxRetryAfter) })
                    if await throttling.mayRetry(pacing, within: configuration.retry.throttleBudget) {
                        attempt -= 1
                        logger.debug("GeminiDB request throttled, queued again", metadata: metadata)
                        continue
                    }
                    logger.warning("GeminiDB request throttled past the throttle budget", metadata: metadata)
                    throw error
                }
                guard attempt < configuration.retry.maxAttempts else {
                    logger.warning("GeminiDB request failed, no attempts left", metadata: metadata)
                    throw error
                }
                metadata["retry.delay_ms"] =
                    "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)"
                logger.notice("GeminiDB request failed, retrying", metadata: metadata)
                metadata["retry.delay_ms"] = nil
                do {
                    try await configuration.clock.sleep(for: delay, tolerance: nil)
                } catch {
                    throw .cancelled
                }
            }
        }
    }

    /// What to do after one attempt.
    enum Verdict {
        /// A 2xx answer.
        case answered(Exchange)
        /// 401: refetch an IAM token once, else give up.
        case unauthorized(GeminiDBError)
        /// Worth another attempt after `delay` (5xx, 429, connection failures of idempotent calls, …).
        case retry(GeminiDBError, after: Duration)
        /// Final: a refused call, or a POST whose fate is unknown (never resent blindly).
        case fail(GeminiDBError, log: Logger.Level)
    }

    /// Sorts one attempt's result into a verdict. Pure apart from the jitter of the backoff.
    func classify(_ result: Result<Exchange, Failure>, call: Call, attempt: Int) -> Verdict {
        switch result {
        case .success(let exchange):
            if (200..<300).contains(exchange.status) { return .answered(exchange) }
            let body = Self.errorBody(exchange)
            let requestID = body.requestID ?? exchange.requestID
            if exchange.status == 401 {
                return .unauthorized(
                    .unauthorized(code: body.errorCode, message: body.errorMessage, requestID: requestID))
            }
            if exchange.status == 429 {
                let retryAfter = RetryAfter.duration(exchange.headers.first(name: "Retry-After"))
                return .retry(
                    .throttled(retryAfter: retryAfter),
                    after: retryAfter.map { min($0, configuration.retry.maxRetryAfter) } ?? backoff(attempt))
            }
            let failure = GeminiDBError.api(
                httpStatus: exchange.status, code: body.errorCode, message: body.errorMessage, requestID: requestID)
            return failure.isRetryable ? .retry(failure, after: backoff(attempt)) : .fail(failure, log: .warning)
        case .failure(.cancelled):
            return .fail(.cancelled, log: .debug)
        case .failure(.notSent(let detail)):
            return .retry(.transport(detail), after: backoff(attempt))
        case .failure(.refused(let detail)):
            return .fail(.transport(detail), log: .error)
        case .failure(.timedOut):
            guard call.idempotent else {
                return .fail(.outcomeUnknown("no answer within \(configuration.timeout)"), log: .error)
            }
            return .retry(.timeout, after: backoff(attempt))
        case .failure(.sentNoAnswer(let detail)):
            guard call.idempotent else { return .fail(.outcomeUnknown(detail), log: .error) }
            return .retry(.transport(detail), after: backoff(attempt))
        }
    }

    static func failureMessage(_ error: GeminiDBError) -> String {
        switch error {
        case .outcomeUnknown: "GeminiDB request sent, but its answer was lost"
        case .cancelled: "GeminiDB request cancelled"
        default: "GeminiDB request refused"
        }
    }

    private func currentToken(_ authorization: Authorization) async throws(GeminiDBError) -> Secret? {
        switch authorization {
        case .iamToken(let cache, let region): try await cache.token(forRegion: region)
        case .staticToken(let secret): secret
        case .none, .aksk, .temporaryKey: nil
        }
    }

    private func currentKey(_ authorization: Authorization) async throws(GeminiDBError) -> TemporaryKey? {
        guard case .temporaryKey(let cache, _) = authorization else { return nil }
        return try await cache.key()
    }

    /// One attempt under the shared concurrency limit.
    private func attemptOnce(
        _ call: Call, authorization: Authorization, token: Secret?, key: TemporaryKey?
    ) async throws(GeminiDBError) -> Result<Exchange, Failure> {
        try await pace(call)
        do {
            try await semaphore.acquire()
        } catch {
            throw .cancelled
        }
        let result = await executeOnce(call, authorization: authorization, token: token, key: key)
        await semaphore.release()
        return result
    }

    /// The API's `{"error_code","error_msg"}`, IAM's `{"error":{"code","message"}}`, or the start of the text.
    static func errorBody(_ exchange: Exchange) -> APIErrorBody {
        if let body = try? JSONDecoder().decode(APIErrorBody.self, from: Data(exchange.body)) { return body }
        struct IAMError: Decodable {
            struct Detail: Decodable {
                var code: Int?
                var message: String?
            }
            var error: Detail
        }
        if let iam = try? JSONDecoder().decode(IAMError.self, from: Data(exchange.body)) {
            return APIErrorBody(
                errorCode: "IAM.\(iam.error.code ?? exchange.status)", errorMessage: iam.error.message ?? "")
        }
        return APIErrorBody(
            errorCode: "HTTP.\(exchange.status)",
            errorMessage: String(decoding: exchange.body.prefix(200), as: UTF8.self))
    }

    func backoff(_ attempt: Int) -> Duration {
        configuration.jitter(configuration.retry.ceiling(afterAttempt: attempt))
    }

    private func executeOnce(
        _ call: Call, authorization: Authorization, token: Secret?, key: TemporaryKey?
    ) async -> Result<Exchange, Failure> {
        guard let components = URLComponents(url: call.baseURL, resolvingAgainstBaseURL: false),
            let scheme = components.scheme, let host = components.host
        else { return .failure(.notSent("invalid endpoint URL \(call.baseURL)")) }
        let authority = components.port.map { "\(host):\($0)" } ?? host
        let basePath =
            components.percentEncodedPath.hasSuffix("/")
            ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        let resourcePath = basePath + call.path

        var headers: [HTTPHeaderField] =
            [
                HTTPHeaderField("Content-Type", "application/json"),
                HTTPHeaderField("User-Agent", configuration.userAgent),
            ] + call.headers
        let pathAndQuery: String
        let signing: (signer: AKSKSigner, projectID: String)? =
            switch authorization {
            case .aksk(let signer, let projectID): (signer, projectID)
            case .temporaryKey(_, let projectID): key.map { ($0.signer, projectID) }
            case .staticToken, .iamToken, .none: nil
            }
        if let signing {
            headers.append(HTTPHeaderField("X-Project-Id", signing.projectID))
            let signed = signing.signer.sign(
                SignableRequest(
                    method: call.method.rawValue, host: authority, path: resourcePath, query: call.query,
                    headers: headers, body: call.body ?? []),
                at: configuration.now())
            headers = signed.headers
            pathAndQuery = signed.pathAndQuery
        } else {
            if let token { headers.append(HTTPHeaderField("X-Auth-Token", token.exposedValue)) }
            let query = AKSKSigner.canonicalQueryString(call.query)
            pathAndQuery = query.isEmpty ? resourcePath : "\(resourcePath)?\(query)"
        }

        let endpoint = "\(scheme)://\(authority)"
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let route = http.route(host: host, port: port)
        var request = HTTPClientRequest(url: "\(endpoint)\(pathAndQuery)")
        request.method = HTTPMethod(rawValue: call.method.rawValue)
        for field in headers { request.headers.add(name: field.name, value: field.value) }
        if let body = call.body { request.body = .bytes(ByteBuffer(bytes: body)) }

        let timeout = TimeAmount.nanoseconds(
            configuration.timeout.components.seconds * 1_000_000_000
                + configuration.timeout.components.attoseconds / 1_000_000_000)
        do {
            let deadline = NIODeadline.now() + timeout
            let response = try await route.client.execute(request, deadline: deadline, logger: nil)
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return .success(
                Exchange(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body)))
        } catch {
            if TLSFailureText.isTLSFailure(error) {
                let text = await TLSFailureText.describe(
                    error, endpoint: endpoint, host: host, port: port, route: route,
                    tls: http.tls, timeout: configuration.timeout, now: configuration.now())
                return .failure(.refused(text))
            }
            if let proxy = route.proxy, let text = ConnectionFailureText.proxyRefusal(error, endpoint: endpoint, proxy)
            {
                return .failure(.refused(text))
            }
            return .failure(Self.classify(error))
        }
    }

    /// Sorts AsyncHTTPClient / NIO errors into "never sent", "sent but no answer", timeout and cancellation.
    /// Told by the error's type, never its text.
    static func classify(_ error: any Error) -> Failure {
        if error is CancellationError { return .cancelled }
        // Certificate refused, handshake failed: the request was never written.
        if TLSFailureText.isTLSFailure(error) { return .refused(ConnectionFailureText.describe(error)) }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return .cancelled
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timedOut
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .invalidURL, .emptyHost,
                .emptyScheme, .alreadyShutdown, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                return .notSent(ConnectionFailureText.describe(error))
            case .proxyAuthenticationRequired, .invalidProxyResponse:
                return .refused(ConnectionFailureText.describe(error))
            default: return .sentNoAnswer(ConnectionFailureText.describe(error))
            }
        }
        // A connection that was never established cannot have carried the request.
        if error is NIOConnectionError {
            return .notSent(ConnectionFailureText.describe(error))
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return .notSent(ConnectionFailureText.describe(error))
        }
        if let ioError = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(ioError.errnoCode) {
            return .notSent(ConnectionFailureText.describe(error))
        }
        return .sentNoAnswer(ConnectionFailureText.describe(error))
    }

    /// `POST {iam}/v3/auth/tokens` with the password method, scoped to the project named `region`.
    func fetchToken(
        iamEndpoint: URL, domain: String, user: String, password: Secret, region: String
    ) async throws(GeminiDBError) -> (token: Secret, expiresAt: Date?) {
        let body = Array(
            try! JSONEncoder().encode(
                IAMTokenRequest(domain: domain, user: user, password: password.exposedValue, projectName: region)))
        let call = Call(
            method: .post, baseURL: iamEndpoint, path: "/v3/auth/tokens", query: [], body: body, idempotent: true,
            operation: "iam-token", instance: nil)
        let exchange = try await send(call, authorization: .none)
        guard let token = exchange.headers.first(name: "X-Subject-Token"), !token.isEmpty else {
            throw .decoding("IAM answered \(exchange.status) without an X-Subject-Token header")
        }
        let expiresAt = (try? JSONDecoder().decode(IAMTokenResponse.self, from: Data(exchange.body)))
            .flatMap { WireTime.parseRFC3339($0.token.expiresAt) }
        return (Secret(token), expiresAt)
    }
}
