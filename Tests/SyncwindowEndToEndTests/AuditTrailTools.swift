import Foundation
import SyncwindowTestSupport

/// A `sqlite3` process holding the trail's write lock (`BEGIN IMMEDIATE`) until released,
/// as an operator's interactive session or a backup would.
final class WriteLockHolder {
    private let process = Process()
    private let input = Pipe()

    /// Returns once the lock is held: `sqlite3` has printed what follows `BEGIN IMMEDIATE`.
    init(databasePath: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        // -bail: if BEGIN IMMEDIATE fails, exit instead of printing the marker anyway.
        process.arguments = ["-bail", "-cmd", ".timeout 10000", databasePath]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'holding the lock';\n".utf8))
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard String(decoding: line, as: UTF8.self) == "holding the lock" else {
            throw ToolError(message: "sqlite3 could not take the write lock on \(databasePath)")
        }
    }

    func release() {
        guard process.isRunning else { return }
        input.fileHandleForWriting.write(Data("COMMIT;\n".utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { release() }
}

/// What a finished `syncwindow` left: its exit status and output (as `BinaryRunner.Result`).
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

struct ToolError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A `syncwindow` run in the background, its output kept in files for the assertions.
final class BackgroundRun {
    let process = Process()
    private let outputDirectory: TemporaryDirectory

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        outputDirectory = try TemporaryDirectory(prefix: "syncwindow-output")
        process.executableURL = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SYNCWINDOW_CONFIG")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        _ = FileManager.default.createFile(atPath: outputDirectory.url("stdout").path, contents: nil)
        _ = FileManager.default.createFile(atPath: outputDirectory.url("stderr").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputDirectory.url("stdout"))
        process.standardError = try FileHandle(forWritingTo: outputDirectory.url("stderr"))
        try process.run()
    }

    /// Waits for the exit and returns what `BinaryRunner.run` would have.
    func finish() -> RunResult {
        process.waitUntilExit()
        defer { outputDirectory.remove() }
        let read = { (name: String) in
            (try? String(contentsOf: self.outputDirectory.url(name), encoding: .utf8)) ?? ""
        }
        return RunResult(status: process.terminationStatus, stdout: read("stdout"), stderr: read("stderr"))
    }
}

/// Runs the built `syncwindow` as the unprivileged user `nobody`: tests run as root, and
/// root ignores file permissions, so only another user shows what a read-only directory does.
func runAsNobody(_ arguments: [String]) throws -> RunResult {
    let binary = BinaryRunner.productsDirectory().appendingPathComponent("syncwindow").path
    let output = try TemporaryDirectory(prefix: "syncwindow-output")
    defer { output.remove() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary] + arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "SYNCWINDOW_CONFIG")
    process.environment = env
    _ = FileManager.default.createFile(atPath: output.url("stdout").path, contents: nil)
    _ = FileManager.default.createFile(atPath: output.url("stderr").path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: output.url("stdout"))
    process.standardError = try FileHandle(forWritingTo: output.url("stderr"))
    try process.run()
    process.waitUntilExit()
    return RunResult(
        status: process.terminationStatus,
        stdout: try String(contentsOf: output.url("stdout"), encoding: .utf8),
        stderr: try String(contentsOf: output.url("stderr"), encoding: .utf8))
}

/// Every path under `directory` with its mode and size: "nothing was created or changed".
func listing(_ directory: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return ["<absent>"] }
    return enumerator.compactMap { $0 as? String }.sorted().map { relative in
        let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + relative)
        let mode = (attributes?[.posixPermissions] as? Int).map { String($0, radix: 8) } ?? "?"
        return "\(relative) \(mode) \(attributes?[.size] as? Int ?? -1)"
    }
}
