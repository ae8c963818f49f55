import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Connection failures in one plain sentence, from the error's type — NIO's own
/// descriptions read like `connection reset (error set): Connection refused) (errno: 111)`.
enum ConnectionFailureText {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            let target = "\(error.host):\(error.port)"
            if let first = error.connectionErrors.first {
                return "connecting to \(target) failed: \(reason(first.error))"
            }
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                return "cannot resolve the host name \(error.host)"
            }
            return "cannot connect to \(target)"
        case let error as IOError:
            return reason(error)
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: return "connection timed out"
            case .tlsHandshakeTimeout: return "TLS handshake timed out"
            case .proxyAuthenticationRequired: return "the proxy refused the credentials"
            case .invalidProxyResponse: return "the proxy would not open a tunnel"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        default:
            return "\(error)"
        }
    }

    /// The proxy's refusal to open a tunnel to `endpoint`, or nil if `error` is not one.
    static func proxyRefusal(_ error: any Error, endpoint: String, _ proxy: NetworkOptions.Proxy) -> String? {
        guard let error = error as? HTTPClientError else { return nil }
        let credentials =
            proxy.source == "cloud.proxy" ? "cloud.proxy_credentials_file" : "the user:password in \(proxy.source)"
        switch error {
        case .proxyAuthenticationRequired:
            return proxy.user == nil
                ? "the proxy \(proxy.label) asks for credentials to reach \(endpoint) — set \(credentials)"
                : "the proxy \(proxy.label) refused the credentials to reach \(endpoint) — check \(credentials)"
        case .invalidProxyResponse:
            // Some proxies (tinyproxy) answer wrong credentials with 401, which AsyncHTTPClient reports this way.
            return "the proxy \(proxy.label) refused the tunnel to \(endpoint) — check "
                + (proxy.user == nil ? "" : "\(credentials) and ") + "that it allows CONNECT to that host and port"
        default:
            return nil
        }
    }

    /// `Connection refused`, `Connection reset by peer`, … as the C library words them, lower-cased.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? IOError else { return "\(error)" }
        let text = String(cString: strerror(error.errnoCode))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
