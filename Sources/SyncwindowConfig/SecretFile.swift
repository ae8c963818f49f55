import Foundation
import GeminiDBAPI

/// Reads credential files. A file that group or others can read is refused: a leaked
/// secret is worse than a failed run. So is one that another user owns, or that sits in a
/// directory others can write to (they could replace it): OpenSSH's StrictModes rule, with
/// root trusted as it is there. Values are never echoed back in errors.
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
        try checkOwner(uid: info.st_uid, of: path, what: "credential file")
        try checkDirectory(of: path)
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

    /// The file's owner must be the user syncwindow runs as, or root. Checking as root a file
    /// the service user owns is refused too: it proves nothing about what the service can read.
    private static func checkOwner(uid: uid_t, of path: String, what: String) throws(ConfigError) {
        let runningAs = geteuid()
        guard uid != runningAs, uid != 0 else { return }
        throw ConfigError(
            file: path,
            "\(what) is owned by \(userName(uid)), not by \(userName(runningAs)), the user syncwindow runs as — "
                + "run syncwindow as its owner (e.g. sudo -u \(userName(uid)) syncwindow check), or chown it")
    }

    private static func checkDirectory(of path: String) throws(ConfigError) {
        let directory = (path as NSString).deletingLastPathComponent
        var info = stat()
        guard stat(directory.isEmpty ? "." : directory, &info) == 0 else { return }
        try checkOwner(uid: info.st_uid, of: path, what: "the directory of the credential file")
        let writableByOthers = info.st_mode & 0o022 != 0
        let sticky = info.st_mode & S_ISVTX != 0
        if writableByOthers && !sticky {
            throw ConfigError(
                file: path,
                String(
                    format: "its directory can be written by group or others (mode %o), who could replace the file — "
                        + "run: chmod go-w %@",
                    info.st_mode & 0o777, directory))
        }
    }

    private static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return "\(String(cString: name)) (uid \(uid))"
    }
}
