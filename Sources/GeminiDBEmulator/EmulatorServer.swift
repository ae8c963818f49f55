import Foundation
import GeminiDBAPI
import Hummingbird
import Logging
import NIOCore

/// The request context: Hummingbird's basics plus the connection, so a fault can drop it.
public struct EmulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Builds the emulator's HTTP application (plain HTTP/1.1) around an ``EmulatorEngine``.
public enum EmulatorServer {
    static let maxBodyBytes = 1 << 20

    /// The Hummingbird application; run it in a `ServiceGroup`. `onListening` gets the bound port.
    public static func makeApplication(
        engine: EmulatorEngine, host: String, port: Int, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let clock = engine.configuration.clock
        let responder = CallbackResponder<EmulatorRequestContext> { request, context in
            let buffer = try await request.body.collect(upTo: maxBodyBytes)
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { "\($0),\(field.value)" } ?? field.value
            }
            if let authority = request.head.authority { headers["host"] = authority }
            let emulated = EmulatorRequest(
                method: request.method.rawValue, target: request.head.path ?? "/", headers: headers,
                body: Array(buffer: buffer))
            if emulated.target.hasPrefix("/_emulator/") {
                var response = await engine.control(emulated)
                response.headers.append(HTTPHeaderField("X-Request-Id", UUID().uuidString.lowercased()))
                return makeResponse(response)
            }
            let admission = await engine.admit(emulated)
            if admission.latency > .zero {
                try await clock.sleep(for: admission.latency, tolerance: nil)
            }
            if admission.drop == .beforeProcessing {
                await engine.record(emulated, requestID: admission.requestID, status: nil, auth: "none", dropped: true)
                return try await drop(context)
            }
            if var immediate = admission.immediate {
                immediate.headers.append(HTTPHeaderField("X-Request-Id", admission.requestID))
                await engine.record(
                    emulated, requestID: admission.requestID, status: immediate.status, auth: "none", dropped: false)
                return makeResponse(immediate)
            }
            let response = await engine.process(
                emulated, requestID: admission.requestID, dropAfter: admission.drop == .afterProcessing)
            if response.drop { return try await drop(context) }
            return makeResponse(response)
        }
        return Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    static func drop(_ context: EmulatorRequestContext) async throws -> Response {
        try? await context.channel.close()
        return Response(status: .internalServerError)
    }

    static func makeResponse(_ response: EmulatorResponse) -> Response {
        // Hummingbird re-exports HTTPFields, not HTTPField: reach the field type through it, so the target needs
        // no swift-http-types dependency of its own.
        typealias Field = HTTPFields.Element
        var fields = HTTPFields()
        for header in response.headers {
            if let name = Field.Name(header.name) { fields.append(Field(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: response.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
    }
}
