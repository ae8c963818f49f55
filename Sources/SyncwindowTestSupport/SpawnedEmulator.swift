import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built `geminidb-emulator` binary, started as a separate process on port 0: for
/// end-to-end tests where syncwindow processes are killed, raced and restarted.
public final class SpawnedEmulator: @unchecked Sendable {
    public let process: Process
    public let baseURL: URL
    private let stderr: DataCollector

    /// How long the emulator may take to print its `listening on …` line.
    public static let startTimeout: TimeInterval = 30

    /// Starts the emulator serving `configPath` and waits for its `listening on …` line (`http://` or, with
    /// `--tls-cert`/`--tls-key` among `flags`, `https://`).
    public init(configPath: String, flags: [String] = []) throws {
        let process = Process()
        process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("geminidb-emulator")
        process.arguments = ["--listen", "127.0.0.1:0", "--pairs", configPath] + flags
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        self.process = process
        self.stderr = DataCollector(err.fileHandleForReading)
        // The first line, on a thread of its own: an emulator that hangs before printing it
        // fails the test after `startTimeout` instead of hanging the whole run.
        let firstLine = FirstLine(out.fileHandleForReading)
        guard let line = firstLine.wait(timeout: Self.startTimeout) else {
            process.terminate()
            throw SpawnError(message: "emulator printed nothing within \(Int(Self.startTimeout)) s; killed it")
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on "), let url = URL(string: String(text.dropFirst("listening on ".count))),
            url.scheme == "http" || url.scheme == "https"
        else {
            process.terminate()
            throw SpawnError(
                message: "emulator did not start: '\(text)' \(String(decoding: stderr.finish(), as: UTF8.self))")
        }
        self.baseURL = url
        // Keep draining stdout so the emulator never blocks on a full pipe.
        _ = DataCollector(out.fileHandleForReading)
    }

    /// The API requests it has served (`/_emulator/requests`).
    public func requests() throws -> [LoggedRequest] {
        struct Log: Decodable { var requests: [LoggedRequest] }
        return try JSONDecoder().decode(Log.self, from: try control("GET", "requests")).requests
    }

    public struct LoggedRequest: Decodable, Sendable {
        public var method: String
        public var path: String
        public var status: Int?
        public var dropped: Bool?
    }

    /// The port it listens on.
    public var port: Int { baseURL.port ?? 0 }

    /// Calls the control API synchronously.
    @discardableResult
    public func control(_ method: String, _ path: String, body: String? = nil) throws -> Data {
        if baseURL.scheme == "https" { return try controlOverTLS(method, path, body: body) }
        var request = URLRequest(url: baseURL.appendingPathComponent("_emulator/\(path)"))
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let box = ResultBox()
        let task = URLSession.shared.dataTask(with: request) { data, _, error in
            box.set(data.map { .success($0) } ?? .failure(error ?? SpawnError(message: "no answer")))
        }
        task.resume()
        return try box.wait().get()
    }

    /// The control API of an HTTPS emulator. The harness reads the log of the emulator it started itself,
    /// whatever certificate that one was told to present (expired, wrong host, unknown CA), so this test-only
    /// request does not check it; syncwindow itself has no way to skip verification.
    private func controlOverTLS(_ method: String, _ path: String, body: String?) throws -> Data {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        defer { try? client.syncShutdown() }
        var request = try HTTPClient.Request(
            url: baseURL.appendingPathComponent("_emulator/\(path)").absoluteString,
            method: HTTPMethod(rawValue: method))
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body { request.body = .byteBuffer(ByteBuffer(string: body)) }
        let response = try client.execute(request: request).wait()
        guard var buffer = response.body else { return Data() }
        return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// SIGTERM, then the exit status.
    public func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    struct SpawnError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Test support: hands a blocking read's result from its own thread to the waiting caller; the
    /// semaphore orders the accesses to `result`.
    private final class ResultBox: @unchecked Sendable {
        private var result: Result<Data, Error>?
        private let semaphore = DispatchSemaphore(value: 0)
        func set(_ value: Result<Data, Error>) {
            result = value
            semaphore.signal()
        }
        func wait() -> Result<Data, Error> {
            semaphore.wait()
            return result!
        }
    }
}

extension ConfigFixture {
    /// Writes a copy of the main config whose regions all point at `endpoint`; returns its path.
    public func configPointing(at endpoint: URL, name: String = "config-live.yaml") throws -> String {
        let original = try String(contentsOfFile: configPath, encoding: .utf8)
        let live = original.replacingOccurrences(
            of: "  concurrency: 8",
            with:
                "  concurrency: 8\n  endpoints:\n    ap-southeast-1: \(endpoint.absoluteString)\n    ap-southeast-3: \(endpoint.absoluteString)"
        )
        return try directory.write(name, live)
    }
}

/// Reads one line from a pipe on a background thread; the caller waits with a timeout. Test support:
/// the read blocks, so it has a thread of its own (never a cooperative one); the semaphore orders the
/// accesses to `line`.
final class FirstLine: @unchecked Sendable {
    private var line = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let byte = handle.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line.append(byte)
            }
            done.signal()
        }
    }

    func wait(timeout: TimeInterval) -> Data? {
        done.wait(timeout: .now() + timeout) == .success ? line : nil
    }
}
