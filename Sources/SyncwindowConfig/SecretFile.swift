import Foundation
import GeminiDBAPI

/// Reads credential files. A file that group or others can read is refused: a leaked
/// secret is worse than a failed run. Values are never echoed back in errors.
public enum SecretFile {
    public static func read(_ path: String) throws(ConfigError) -> Secret {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigError(file: path, "credential file not found or not accessible — create it with mode 0600")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConfigError(file: path, "credential path is not a regular file")
        }
        if info.st_mode & 0o077 != 0 {
            throw ConfigError(
                file: path,
                String(
                    format: "credential file is readable by group or others (mode %o) — run: chmod 600 %@",
                    info.st_mode & 0o777, path))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, "cannot read the credential file — check its owner and permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, "credential file is not UTF-8 text")
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw ConfigError(file: path, "credential file is empty") }
        guard !value.contains(where: \.isNewline) else {
            throw ConfigError(file: path, "credential file must hold a single line")
        }
        return Secret(value)
    }
}
