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
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        default:
            return "\(error)"
        }
    }

    /// `Connection refused`, `Connection reset by peer`, … as the C library words them, lower-cased.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? IOError else { return "\(error)" }
        let text = String(cString: strerror(error.errnoCode))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
