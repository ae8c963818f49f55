import AsyncHTTPClient
import Foundation
import GeminiDBAPI
import Logging
import NIOHTTP1

/// How the client reads one HTTP answer, with no network in between: the transport's verdict on the
/// status and headers (``HTTPTransport/classify(_:call:attempt:)``), then the body decoded as the
/// operation's caller in ``GeminiDBClient`` decodes it. Package-internal: the seam the response
/// fuzzer (`Sources/FuzzCloudDecoding`) drives, so hostile answers are tried millions of times a
/// minute without a server.
package struct AnswerReading: Sendable {
    /// The calls whose answers the client decodes.
    package enum Operation: CaseIterable, Sendable {
        case syncStatus, setDataSync, job, instance, iamToken
    }

    let transport: HTTPTransport

    /// `httpClient` is never used to send; the transport only needs one to exist.
    package init(httpClient: HTTPClient) {
        let client = GeminiDBClient(
            configuration: GeminiDBClient.Configuration(endpoints: [:]), credentials: .token(Secret("answer-reading")),
            httpClient: httpClient, logger: Logger(label: "syncwindow.answer-reading"))
        transport = client.transport
    }

    /// What a call of `operation` makes of this answer on attempt `attempt`: the decoded value (described),
    /// or the error its caller gets — for a retryable answer, the error it would retry on.
    package func read(
        status: Int, headers: [(name: String, value: String)], body: [UInt8], operation: Operation, attempt: Int
    ) -> Result<String, GeminiDBError> {
        var fields = HTTPHeaders()
        for header in headers { fields.add(name: header.name, value: header.value) }
        let exchange = HTTPTransport.Exchange(status: status, headers: fields, body: body)
        let post = operation == .setDataSync || operation == .iamToken
        let call = HTTPTransport.Call(
            method: post ? .post : .get, baseURL: URL(string: "https://gaussdb-nosql.example.invalid")!, path: "/",
            query: [], body: nil, idempotent: !post || operation == .iamToken, operation: "\(operation)",
            instance: nil)
        switch transport.classify(.success(exchange), call: call, attempt: attempt) {
        case .answered(let exchange):
            do throws(GeminiDBError) {
                return .success(try Self.decode(exchange, operation))
            } catch {
                return .failure(error)
            }
        case .unauthorized(let error), .fail(let error, _), .retry(let error, _):
            return .failure(error)
        }
    }

    /// The decoding steps of ``GeminiDBClient``'s calls and of ``HTTPTransport/fetchToken``.
    static func decode(_ exchange: HTTPTransport.Exchange, _ operation: Operation) throws(GeminiDBError) -> String {
        switch operation {
        case .syncStatus:
            return "\(try exchange.decode(DataSyncStatusResponse.self))"
        case .setDataSync:
            return try exchange.decode(JobIDResponse.self).jobID
        case .job:
            return "\(try exchange.decode(JobListResponse.self).jobs.first as Job?)"
        case .instance:
            return "\(try exchange.decode(InstanceListResponse.self).instances.first as InstanceInfo?)"
        case .iamToken:
            guard let token = exchange.headers.first(name: "X-Subject-Token"), !token.isEmpty else {
                throw .decoding("IAM answered \(exchange.status) without an X-Subject-Token header")
            }
            let expiresAt = (try? JSONDecoder().decode(IAMTokenResponse.self, from: Data(exchange.body)))
                .flatMap { WireTime.parseRFC3339($0.token.expiresAt) }
            return "\(Secret(token)) until \(String(describing: expiresAt))"
        }
    }
}
