import Foundation

/// What the config files look like on disk (names, sizes, modification times), so a
/// long-running `run` notices an edit without reading and parsing the files every pass.
public struct ConfigFingerprint: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var path: String
        var size: Int64
        var modified: Int64
        var modifiedNanoseconds: Int
    }

    let entries: [Entry]

    /// The main file, the schedules directory and every window file in it.
    public static func of(_ configuration: SyncwindowConfiguration) -> ConfigFingerprint {
        let directory = configuration.schedulesDirectory
        let windowFiles = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
        let paths = [configuration.sourceFile, directory] + windowFiles
        return ConfigFingerprint(entries: paths.map(entry(for:)))
    }

    private static func entry(for path: String) -> Entry {
        var info = stat()
        guard stat(path, &info) == 0 else { return Entry(path: path, size: -1, modified: 0, modifiedNanoseconds: 0) }
        return Entry(
            path: path, size: Int64(info.st_size), modified: Int64(info.st_mtim.tv_sec),
            modifiedNanoseconds: Int(info.st_mtim.tv_nsec))
    }
}
