import Foundation
import GeminiDBAPI
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// The request context: Hummingbird's basics plus the connection, so a fault can drop it.
public struct EmulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Builds the emulator's HTTP/1.1 application around an ``EmulatorEngine``: plain HTTP, or HTTPS when the
/// configuration carries ``EmulatorTLS``.
public enum EmulatorServer {
    static let maxBodyBytes = 1 << 20

    /// The Hummingbird application; run it in a `ServiceGroup`. `onListening` gets the bound port.
    /// Throws ``EmulatorTLSError`` when the TLS certificate or key cannot be loaded.
    public static func makeApplication(
        engine: EmulatorEngine, host: String, port: Int, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> some ApplicationProtocol {
        let server = try serverBuilder(engine.configuration.tls)
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
            do {
                let response = try await answer(
                    emulated, admission: admission, engine: engine, clock: clock, context: context)
                await engine.answered()
                return response
            } catch {
                await engine.answered()
                throw error
            }
        }
        return Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Plain HTTP/1.1, or HTTP/1.1 inside TLS with the certificate chain and key of `tls`.
    static func serverBuilder(_ tls: EmulatorTLS?) throws -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile)
        } catch {
            throw EmulatorTLSError(file: tls.certificateFile, reason: "not a readable PEM certificate (\(error))")
        }
        guard !chain.isEmpty else {
            throw EmulatorTLSError(file: tls.certificateFile, reason: "holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
        } catch {
            throw EmulatorTLSError(file: tls.privateKeyFile, reason: "not a readable PEM private key (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        return try .tls(.http1(), tlsConfiguration: configuration)
    }

    /// An admitted API request's faults played and its answer made (or its connection dropped).
    static func answer(
        _ emulated: EmulatorRequest, admission: EmulatorEngine.Admission, engine: EmulatorEngine,
        clock: any Clock<Duration>, context: EmulatorRequestContext
    ) async throws -> Response {
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
        if admission.hold > .zero {
            try await clock.sleep(for: admission.hold, tolerance: nil)
        }
        if response.drop { return try await drop(context) }
        return makeResponse(response)
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

/// `--tls-cert` or `--tls-key` names a file that cannot serve as the server's identity.
public struct EmulatorTLSError: Error, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}
