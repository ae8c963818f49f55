import Foundation
import GeminiDBAPI
import Logging
import ServiceLifecycle

/// An emulator serving in this process, for tests and `syncwindow demo`.
///
/// ```swift
/// let emulator = try await RunningEmulator.start(configuration: config, host: "127.0.0.1", port: 0)
/// // point every region's endpoint (and the IAM endpoint) at emulator.baseURL, call it, then:
/// await emulator.shutdown()
/// ```
public final class RunningEmulator: Sendable {
    /// `http://127.0.0.1:PORT`, or `https://…` when the configuration carries ``EmulatorTLS``.
    public let baseURL: URL
    public let port: Int
    /// The control handle: faults, forced statuses, request log, token revocation, state.
    public let engine: EmulatorEngine
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(baseURL: URL, port: Int, engine: EmulatorEngine, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.port = port
        self.engine = engine
        self.group = group
        self.task = task
    }

    /// Binds `host:port` (0 picks a free port) and returns once the server accepts connections.
    public static func start(
        configuration: EmulatorConfiguration, host: String = "127.0.0.1", port: Int = 0,
        logger: Logger = Logger(label: "geminidb-emulator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> RunningEmulator {
        let engine = try EmulatorEngine(configuration: configuration, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try EmulatorServer.makeApplication(engine: engine, host: host, port: port, logger: logger) { bound in
            continuation.yield(bound)
            continuation.finish()
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        // Owner: the returned `RunningEmulator`, whose `shutdown()` stops the group and awaits this task.
        // The server outlives `start` (tests and `demo` call the emulator while it serves).
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            // The server stopped before it listened: surface its error.
            try await task.value
            throw EmulatorStartError(host: host, port: port)
        }
        let scheme = configuration.tls == nil ? "http" : "https"
        return RunningEmulator(
            baseURL: URL(string: "\(scheme)://\(host):\(bound)")!, port: bound, engine: engine, group: group, task: task
        )
    }

    /// Stops accepting, finishes in-flight requests and returns when the server is down.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// The server stopped before listening.
public struct EmulatorStartError: Error, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var description: String { "the emulator could not listen on \(host):\(port)" }
}
