import Foundation

/// A fresh directory under the system temp dir, for one test's state and config files.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "syncwindow-test") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        self.path = base.path
    }

    public func url(_ relative: String) -> URL { URL(fileURLWithPath: path).appendingPathComponent(relative) }

    /// Writes a file (creating parent directories) with the given POSIX mode.
    @discardableResult
    public func write(_ relative: String, _ text: String, mode: Int = 0o644) throws -> String {
        let target = url(relative)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target.path)
        return target.path
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
