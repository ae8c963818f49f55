import Foundation

/// `NO_PROXY` as curl and Go read it: comma-separated entries, each `*` (everything), a host or domain
/// (`example.com`, `.example.com` and `*.example.com` all match the domain and its subdomains), an IP
/// address, or an IPv4 CIDR block (`10.0.0.0/8`); any of them may end in `:port` to match that port only.
/// Case-insensitive. IPv6 CIDR blocks are not understood and match nothing.
public struct NoProxyList: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        enum Pattern: Sendable, Equatable {
            case everything
            case domain(String)
            case ipv4Block(address: UInt32, prefix: Int)
        }
        var pattern: Pattern
        var port: Int?
    }

    var entries: [Entry]

    public init(_ text: String) {
        entries = text.split(separator: ",").compactMap { Self.entry(String($0)) }
    }

    /// Whether a call to `host:port` bypasses the proxy.
    public func matches(host: String, port: Int) -> Bool {
        let host = Self.bare(host)
        return entries.contains { entry in
            if let wanted = entry.port, wanted != port { return false }
            switch entry.pattern {
            case .everything:
                return true
            case .domain(let domain):
                return host == domain || host.hasSuffix("." + domain)
            case .ipv4Block(let address, let prefix):
                guard let hostAddress = Self.ipv4(host) else { return false }
                let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
                return hostAddress & mask == address & mask
            }
        }
    }

    static func entry(_ raw: String) -> Entry? {
        var text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty else { return nil }
        if text == "*" { return Entry(pattern: .everything) }
        var port: Int?
        // host:port, [v6]:port — but not a bare IPv6 address (more than one colon, no brackets).
        if let colon = text.lastIndex(of: ":"), text.hasPrefix("[") || text.filter({ $0 == ":" }).count == 1,
            let number = Int(text[text.index(after: colon)...])
        {
            port = number
            text = String(text[..<colon])
        }
        text = bare(text)
        if let slash = text.firstIndex(of: "/") {
            guard let address = ipv4(String(text[..<slash])), let prefix = Int(text[text.index(after: slash)...]),
                (0...32).contains(prefix)
            else { return nil }
            return Entry(pattern: .ipv4Block(address: address, prefix: prefix), port: port)
        }
        if text.hasPrefix("*.") { text.removeFirst(2) } else if text.hasPrefix(".") { text.removeFirst() }
        guard !text.isEmpty else { return nil }
        return Entry(pattern: .domain(text), port: port)
    }

    /// Lower-cased, without IPv6 brackets or a trailing dot.
    static func bare(_ host: String) -> String {
        var text = host.lowercased()
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let byte = UInt8(part) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
