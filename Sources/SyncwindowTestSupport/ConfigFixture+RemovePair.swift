import Foundation

extension BinaryRunner {
    /// Runs `product` with the parent's environment minus `removed` (and `SYNCWINDOW_CONFIG`):
    /// for checking what a binary does when a variable is absent, not merely empty.
    public static func run(
        _ product: String, _ arguments: [String], removingEnvironment removed: [String]
    ) throws -> Result {
        let process = Process()
        process.executableURL = productsDirectory().appendingPathComponent(product)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in removed + ["SYNCWINDOW_CONFIG"] { env.removeValue(forKey: key) }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = DataCollector(out.fileHandleForReading)
        let errData = DataCollector(err.fileHandleForReading)
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData.finish(), as: UTF8.self),
            stderr: String(decoding: errData.finish(), as: UTF8.self))
    }
}

extension ConfigFixture {
    /// Rewrites the config file at `path` without the pair `name` (its block under `pairs:`), as an
    /// operator decommissioning a pair would.
    public func removePair(_ name: String, from path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var kept: [Substring] = []
        var skipping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "  \(name):" {
                skipping = true
                continue
            }
            if skipping && line.hasPrefix("    ") { continue }
            skipping = false
            kept.append(line)
        }
        try Data(kept.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
}
