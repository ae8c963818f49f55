import Foundation

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
