import Foundation

/// Runs the built executables as a user would, capturing stdout, stderr and the exit status.
public enum BinaryRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The directory holding the built products: `$SYNCWINDOW_BIN_DIR`, else `<repo>/.build/debug`.
    public static func productsDirectory(file: String = #filePath) -> URL {
        if let explicit = ProcessInfo.processInfo.environment["SYNCWINDOW_BIN_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        return repositoryRoot(file: file).appendingPathComponent(".build/debug")
    }

    /// The repository root, found from this source file's location.
    public static func repositoryRoot(file: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: file)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// Runs `product` with `arguments`, waiting for it to finish. The environment is the
    /// parent's, less `SYNCWINDOW_CONFIG` and `removed` (absent, not merely empty), plus `environment`.
    public static func run(
        _ product: String, _ arguments: [String], environment: [String: String] = [:],
        removingEnvironment removed: [String] = [], currentDirectory: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = productsDirectory().appendingPathComponent(product)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in removed + ["SYNCWINDOW_CONFIG"] { env.removeValue(forKey: key) }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently with the process, so a chatty child never blocks on a full pipe.
        let outData = DataCollector(out.fileHandleForReading)
        let errData = DataCollector(err.fileHandleForReading)
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData.finish(), as: UTF8.self),
            stderr: String(decoding: errData.finish(), as: UTF8.self))
    }
}

/// Drains a pipe on a background thread. Test support: reading a child's pipe to its end blocks,
/// so it runs on a thread of its own (never a cooperative one), and the semaphore hands the bytes
/// to the test waiting for the child (the semaphore orders the accesses to `data`).
final class DataCollector: @unchecked Sendable {
    private let handle: FileHandle
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        self.handle = handle
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data
    }
}
