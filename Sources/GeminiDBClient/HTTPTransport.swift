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
    }

    enum Authorization: Sendable {
        case none
        case aksk(AKSKSigner, projectID: String)
        case staticToken(Secret)
        case iamToken(TokenCache, region: String)
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
        case timedOut
        case cancelled
    }

    let httpClient: HTTPClient
    let configuration: GeminiDBClient.Configuration
    let semaphore: AsyncSemaphore
    let logger: Logger

    static let maxBodyBytes = 4 * 1024 * 1024

    func send(_ call: Call, authorization: Authorization) async throws(GeminiDBError) -> Exchange {
        var attempt = 0
        var refetchedToken = false
        var metadata: Logger.Metadata = ["http.method": "\(call.method.rawValue)", "operation": "\(call.operation)"]
        if let instance = call.instance {
            metadata["instance.id"] = "\(instance.instanceID)"
            metadata["instance.region"] = "\(instance.region)"
        }
        while true {
            attempt += 1
            metadata["attempt"] = "\(attempt)"
            let token: Secret?
            switch authorization {
            case .iamToken(let cache, let region): token = try await cache.token(forRegion: region)
            case .staticToken(let secret): token = secret
            case .none, .aksk: token = nil
            }
            do {
                try await semaphore.acquire()
            } catch {
                throw .cancelled
            }
            let result = await executeOnce(call, authorization: authorization, token: token)
            await semaphore.release()

            let failure: GeminiDBError
            var delay: Duration
            switch result {
            case .success(let exchange):
                metadata["http.status"] = "\(exchange.status)"
                if let requestID = exchange.requestID { metadata["request.id"] = "\(requestID)" }
                if (200..<300).contains(exchange.status) {
                    logger.debug("GeminiDB request succeeded", metadata: metadata)
                    return exchange
                }
                let body = Self.errorBody(exchange)
                let code = body.errorCode
                let message = body.errorMessage
                let requestID = body.requestID ?? exchange.requestID
                metadata["error.code"] = "\(code)"
                if exchange.status == 401 {
                    if case .iamToken(let cache, let region) = authorization, let token, !refetchedToken {
                        // The token may have been revoked: fetch a new one once, then give up.
                        refetchedToken = true
                        attempt -= 1
                        await cache.invalidate(region: region, token: token)
                        logger.notice("GeminiDB token refused, fetching a new one", metadata: metadata)
                        continue
                    }
                    logger.error("GeminiDB authentication refused", metadata: metadata)
                    throw .unauthorized(code: code, message: message, requestID: requestID)
                }
                if exchange.status == 429 {
                    let retryAfter = exchange.headers.first(name: "Retry-After").flatMap(Double.init)
                        .map { Duration.milliseconds(Int64($0 * 1000)) }
                    failure = .throttled(retryAfter: retryAfter)
                    delay = retryAfter.map { min($0, configuration.retry.maxRetryAfter) } ?? backoff(attempt)
                } else {
                    failure = .api(httpStatus: exchange.status, code: code, message: message, requestID: requestID)
                    guard failure.isRetryable else {
                        logger.warning("GeminiDB request refused", metadata: metadata)
                        throw failure
                    }
                    delay = backoff(attempt)
                }
            case .failure(let outcome):
                metadata["http.status"] = nil
                switch outcome {
                case .cancelled:
                    throw .cancelled
                case .notSent(let detail):
                    failure = .transport(detail)
                case .timedOut:
                    guard call.idempotent else {
                        logger.error("GeminiDB request timed out after it was sent", metadata: metadata)
                        throw .outcomeUnknown("no answer within \(configuration.timeout)")
                    }
                    failure = .timeout
                case .sentNoAnswer(let detail):
                    guard call.idempotent else {
                        logger.error("GeminiDB connection failed after the request was sent", metadata: metadata)
                        throw .outcomeUnknown(detail)
                    }
                    failure = .transport(detail)
                }
                delay = backoff(attempt)
            }
            guard attempt < configuration.retry.maxAttempts else {
                logger.warning("GeminiDB request failed, no attempts left", metadata: metadata)
                throw failure
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

    private func executeOnce(_ call: Call, authorization: Authorization, token: Secret?) async -> Result<
        Exchange, Failure
    > {
        guard let components = URLComponents(url: call.baseURL, resolvingAgainstBaseURL: false),
            let scheme = components.scheme, let host = components.host
        else { return .failure(.notSent("invalid endpoint URL \(call.baseURL)")) }
        let authority = components.port.map { "\(host):\($0)" } ?? host
        let basePath =
            components.percentEncodedPath.hasSuffix("/")
            ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        let resourcePath = basePath + call.path

        var headers: [HTTPHeaderField] = [
            HTTPHeaderField("Content-Type", "application/json"),
            HTTPHeaderField("User-Agent", configuration.userAgent),
        ]
        let pathAndQuery: String
        switch authorization {
        case .aksk(let signer, let projectID):
            headers.append(HTTPHeaderField("X-Project-Id", projectID))
            let signed = signer.sign(
                SignableRequest(
                    method: call.method.rawValue, host: authority, path: resourcePath, query: call.query,
                    headers: headers, body: call.body ?? []),
                at: configuration.now())
            headers = signed.headers
            pathAndQuery = signed.pathAndQuery
        case .staticToken, .iamToken, .none:
            if let token { headers.append(HTTPHeaderField("X-Auth-Token", token.exposedValue)) }
            let query = AKSKSigner.canonicalQueryString(call.query)
            pathAndQuery = query.isEmpty ? resourcePath : "\(resourcePath)?\(query)"
        }

        var request = HTTPClientRequest(url: "\(scheme)://\(authority)\(pathAndQuery)")
        request.method = call.method == .get ? .GET : .POST
        for field in headers { request.headers.add(name: field.name, value: field.value) }
        if let body = call.body { request.body = .bytes(ByteBuffer(bytes: body)) }

        let timeout = TimeAmount.nanoseconds(
            configuration.timeout.components.seconds * 1_000_000_000
                + configuration.timeout.components.attoseconds / 1_000_000_000)
        do {
            let deadline = NIODeadline.now() + timeout
            let response = try await httpClient.execute(request, deadline: deadline, logger: nil)
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return .success(
                Exchange(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body)))
        } catch {
            return .failure(Self.classify(error))
        }
    }

    /// Sorts AsyncHTTPClient / NIO errors into "never sent", "sent but no answer", timeout and cancellation.
    static func classify(_ error: any Error) -> Failure {
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return .cancelled
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timedOut
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .invalidURL, .emptyHost,
                .emptyScheme, .alreadyShutdown:
                return .notSent(ConnectionFailureText.describe(error))
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
