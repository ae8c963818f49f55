import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A TLS failure in one sentence that names the endpoint and the reason: host-name mismatch, expired or
/// not-yet-valid certificate, or a certificate from a CA this host does not trust.
///
/// BoringSSL reports every chain failure as the same `CERTIFICATE_VERIFY_FAILED`, and AsyncHTTPClient offers
/// no verification callback. So after such a failure a probe handshake reads the chain the server presents
/// and tells expiry from an unknown CA. The probe refuses whatever it is shown: it sends nothing but a
/// ClientHello, and nothing over a connection it has accepted.
enum TLSFailureText {
    /// A TLS failure, told by the error's type. Such a connection never carried the request.
    static func isTLSFailure(_ error: any Error) -> Bool {
        error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
    }

    static func describe(
        _ error: any Error, endpoint: String, host: String, port: Int, route: GeminiDBHTTP.Route,
        tls: TLSConfiguration, timeout: Duration, now: Date
    ) async -> String {
        let via = route.proxy.map { " (through the proxy \($0.label))" } ?? ""
        let failed = "TLS with \(endpoint)\(via) failed"
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "\(failed): the server's certificate is not valid for the name \(host) (host-name mismatch)"
        }
        guard case NIOSSLError.handshakeFailed = error,
            let chain = await presentedChain(host: host, port: port, proxy: route.proxy, tls: tls, timeout: timeout)
        else {
            return "\(failed): \(error)"
        }
        let seconds = now.timeIntervalSince1970
        if let expired = chain.first(where: { TimeInterval($0.notValidAfter) < seconds }) {
            let date = Date(timeIntervalSince1970: TimeInterval(expired.notValidAfter)).formatted(.iso8601)
            return "\(failed): the server's certificate has expired (valid until \(date))"
        }
        if let early = chain.first(where: { TimeInterval($0.notValidBefore) > seconds }) {
            let date = Date(timeIntervalSince1970: TimeInterval(early.notValidBefore)).formatted(.iso8601)
            return "\(failed): the server's certificate is not valid before \(date) — check this host's clock"
        }
        return "\(failed): the server's certificate is not issued by a trusted CA (unknown CA) — "
            + "for a private CA or a TLS-inspecting proxy, add its CA certificate to cloud.ca_file"
    }

    /// The certificates `host:port` presents, directly or through a CONNECT tunnel; nil if none came in time.
    static func presentedChain(
        host: String, port: Int, proxy: NetworkOptions.Proxy?, tls: TLSConfiguration, timeout: Duration
    ) async -> [NIOSSLCertificate]? {
        guard let context = try? NIOSSLContext(configuration: tls) else { return nil }
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let chain = eventLoop.makePromise(of: [NIOSSLCertificate].self)
        let tunnelOpen = eventLoop.makePromise(of: Void.self)
        let serverHostname = isIPAddress(host) ? nil : host
        let addTLS: @Sendable (Channel) -> EventLoopFuture<Void> = { channel in
            channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname) {
                    certificates, verdict in
                    chain.succeed(certificates)
                    verdict.succeed(NIOSSLVerificationResult.failed)
                }
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(Int64(max(1, timeout.components.seconds))))
            .channelInitializer { channel in
                guard proxy != nil else { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectResponseReader(done: tunnelOpen))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: proxy?.host ?? host, port: proxy?.port ?? port).get()
        } catch {
            tunnelOpen.fail(error)
            chain.fail(error)
            return nil
        }
        let deadline = eventLoop.scheduleTask(in: .seconds(Int64(max(1, timeout.components.seconds)))) {
            tunnelOpen.fail(ChannelError.connectTimeout(.seconds(0)))
            chain.fail(ChannelError.connectTimeout(.seconds(0)))
        }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        do {
            if let proxy {
                try await channel.writeAndFlush(
                    ByteBuffer(string: connectRequest(host: host, port: port, proxy: proxy)))
                try await tunnelOpen.futureResult.get()
            } else {
                tunnelOpen.succeed()
            }
            try await addTLS(channel).get()
            return try await chain.futureResult.get()
        } catch {
            tunnelOpen.fail(error)
            chain.fail(error)
            return nil
        }
    }

    static func connectRequest(host: String, port: Int, proxy: NetworkOptions.Proxy) -> String {
        let authority = "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        var request = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let user = proxy.user {
            let token = Data("\(user):\(proxy.password?.exposedValue ?? "")".utf8).base64EncodedString()
            request += "Proxy-Authorization: Basic \(token)\r\n"
        }
        return request + "\r\n"
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

/// Reads the proxy's answer to CONNECT and removes itself once the tunnel is open.
private final class ConnectResponseReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let done: EventLoopPromise<Void>
    private var head = ""

    init(done: EventLoopPromise<Void>) { self.done = done }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        head += buffer.readString(length: buffer.readableBytes) ?? ""
        guard head.contains("\r\n\r\n") else { return }
        let status = head.split(separator: " ", maxSplits: 2).dropFirst().first
        if status == "200" {
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
            done.succeed()
        } else {
            done.fail(ChannelError.inappropriateOperationForState)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}
