import Foundation

/// Debian's `tinyproxy`, started in the foreground on a free loopback port with a config of its own in a
/// temporary directory; its log shows which CONNECT tunnels it opened.
public final class Tinyproxy: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let directory: TemporaryDirectory
    public var url: String { "http://127.0.0.1:\(port)" }
    private var logPath: String { directory.url("tinyproxy.log").path }

    /// Whether `tinyproxy` is installed (`.ci/run` installs it).
    public static var available: Bool { TestCertificates.executable("tinyproxy") != nil }

    /// Starts it allowing CONNECT to `connectPorts` only; with `basicAuth` it demands those credentials.
    public init(connectPorts: [Int], basicAuth: (user: String, password: String)? = nil) throws {
        guard let executable = TestCertificates.executable("tinyproxy") else {
            throw ProxyError(message: "tinyproxy is not installed")
        }
        directory = try TemporaryDirectory(prefix: "syncwindow-proxy")
        port = try Self.freePort()
        var config = """
            Port \(port)
            Listen 127.0.0.1
            Allow 127.0.0.1
            Timeout 30
            MaxClients 50
            LogFile "\(directory.url("tinyproxy.log").path)"
            LogLevel Info
            PidFile "\(directory.url("tinyproxy.pid").path)"

            """
        for connectPort in connectPorts { config += "ConnectPort \(connectPort)\n" }
        if let basicAuth { config += "BasicAuth \(basicAuth.user) \(basicAuth.password)\n" }
        let configPath = try directory.write("tinyproxy.conf", config)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-d", "-c", configPath]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try waitUntilListening()
    }

    /// The log so far.
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The `CONNECT host:port` requests it received, in order.
    public func connectRequests() -> [String] {
        log().split(whereSeparator: \.isNewline).compactMap { line in
            guard let range = line.range(of: "Request (file descriptor "), line.contains("): CONNECT ") else {
                return nil
            }
            return line[range.upperBound...].components(separatedBy: "): CONNECT ").last?
                .replacingOccurrences(of: " HTTP/1.1", with: "").replacingOccurrences(of: " HTTP/1.0", with: "")
        }
    }

    /// SIGKILL: tinyproxy only notices SIGTERM once another connection wakes it up.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else {
                throw ProxyError(message: "tinyproxy exited at start: \(log())")
            }
            if Self.accepts(port: port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw ProxyError(message: "tinyproxy did not listen on 127.0.0.1:\(port) within 10 s")
    }

    /// A port that was free a moment ago (tinyproxy cannot be asked to pick one and tell).
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ProxyError(message: "socket() failed") }
        defer { close(socket) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw ProxyError(message: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    struct ProxyError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
