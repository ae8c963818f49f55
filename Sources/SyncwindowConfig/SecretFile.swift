import Foundation
import GeminiDBAPI

/// Reads credential files. A file that group or others can read is refused: a leaked
/// secret is worse than a failed run. So is one that another user owns, or that sits in a
/// directory others can write to (they could replace it): OpenSSH's StrictModes rule, with
/// root trusted as it is there. Values are never echoed back in errors.
public enum SecretFile {
    /// `credential:NAME` in place of a path: the file `$CREDENTIALS_DIRECTORY/NAME` systemd's `LoadCredential=` or
    /// `LoadCredentialEncrypted=` put there for this unit alone.
    public static let credentialPrefix = "credential:"

    /// Reads a secret from `path`, or from the systemd credential a `credential:NAME` value names.
    public static func read(
        _ path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> Secret {
        if path.hasPrefix(credentialPrefix) { return try readCredential(path, environment: environment) }
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
        return try contents(of: path)
    }

    /// The file `$CREDENTIALS_DIRECTORY/NAME` for `credential:NAME`. Its mode and owner are systemd's business: it
    /// writes them read-only for the unit's user, in a directory of the unit's own (ramfs, no swap), so the 0600
    /// and owner checks of plain files do not apply.
    public static func credentialPath(
        _ value: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> String {
        let name = String(value.dropFirst(credentialPrefix.count))
        guard isCredentialName(name) else {
            throw ConfigError(file: value, "'\(name)' is not a credential name (letters, digits, '.', '_', '-', '@')")
        }
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
            throw ConfigError(
                file: value,
                "$CREDENTIALS_DIRECTORY is not set: credential:NAME values work only under systemd with "
                    + "LoadCredential=\(name):… or LoadCredentialEncrypted=\(name):… (or set CREDENTIALS_DIRECTORY)")
        }
        return (directory as NSString).appendingPathComponent(name)
    }

    /// A systemd credential name: one file name, no path.
    public static func isCredentialName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-@".unicodeScalars.contains($0)
        }
    }

    private static func readCredential(_ reference: String, environment: [String: String]) throws(ConfigError) -> Secret
    {
        let path = try credentialPath(reference, environment: environment)
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigError(
                file: path,
                "\(reference): no such credential in $CREDENTIALS_DIRECTORY — add LoadCredential= or "
                    + "LoadCredentialEncrypted= for it to the unit")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConfigError(file: path, "\(reference): the credential is not a regular file")
        }
        return try contents(of: path)
    }

    /// The one line a credential file holds.
    private static func contents(of path: String) throws(ConfigError) -> Secret {
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
