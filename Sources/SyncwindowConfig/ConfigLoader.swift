import Crypto
import Foundation
import GeminiDBAPI
import SyncwindowSchedule
import Yams

/// Loads and validates the main configuration file and every window file it points at.
///
/// Strict by design: unknown keys, wrong types and dangling references are errors with
/// `file:line:column`, since a typo that silently disables a window would go unnoticed
/// until the night it mattered. Secrets are NOT read here (see `SecretFile`), so read-only
/// commands such as `plan` work without access to the credentials.
public enum ConfigLoader {
    /// The config path when neither `--config` nor `SYNCWINDOW_CONFIG` names one.
    public static let defaultPath = "/etc/syncwindow/config.yaml"

    /// `--config`, else `SYNCWINDOW_CONFIG`, else the default path.
    public static func resolvePath(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["SYNCWINDOW_CONFIG"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }

    public static func load(path: String) throws(ConfigError) -> SyncwindowConfiguration {
        let text = try readText(path)
        let root = try parse(text, file: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let top = try root.mapping(allowed: ["state_dir", "schedules", "cloud", "pairs", "store"])

        let stateDirectory =
            try top["state_dir"].map { v throws(ConfigError) in resolve(try v.string(), against: directory) }
            ?? "/var/lib/syncwindow"
        let schedulesDirectory = resolve(try top["schedules"]?.string() ?? "schedules", against: directory)
        let cloud = try CloudSettingsReader.read(try top.required("cloud"), relativeTo: directory)
        let pairs = try readPairs(try top.required("pairs"), profiles: Set(cloud.profiles.keys))
        let store = try StoreSettingsReader.read(top["store"], relativeTo: directory)

        let windowFiles = try WindowFileLoader.files(in: schedulesDirectory, referencedFrom: top["schedules"] ?? root)
        var windows: [Window] = []
        var hasher = SHA256()
        hasher.update(data: Data(text.utf8))
        var firstDefinition: [String: String] = [:]
        for file in windowFiles {
            let windowText = try readText(file)
            hasher.update(data: Data(file.utf8))
            hasher.update(data: Data(windowText.utf8))
            for (window, location) in try WindowFileLoader.windows(
                in: windowText, file: file, knownPairs: pairs.map(\.name))
            {
                if let earlier = firstDefinition[window.name] {
                    throw ConfigError(
                        file: location.file, line: location.line, column: location.column,
                        "window name '\(window.name)' is already used at \(earlier); window names must be unique across all files"
                    )
                }
                firstDefinition[window.name] = location.description
                windows.append(window)
            }
        }
        let hash = String(
            decoding: hasher.finalize().flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 15)]] }, as: UTF8.self)
        return SyncwindowConfiguration(
            sourceFile: path, stateDirectory: stateDirectory, schedulesDirectory: schedulesDirectory, cloud: cloud,
            pairs: pairs, windows: windows, contentHash: hash, store: store)
    }

    // MARK: - Pieces

    /// Lower-case hex, as `String(format: "%02x")` wrote it (which cost more than hashing the files).
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func readText(_ path: String) throws(ConfigError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(file: path, "file not found — pass --config PATH or set SYNCWINDOW_CONFIG")
        }
        guard !isDirectory.boolValue else { throw ConfigError(file: path, "is a directory, not a YAML file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, "cannot read the file — check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, "the file is not UTF-8 text")
        }
        return text
    }

    static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLValue {
        let node: Node?
        do {
            // Every value is read from its text and style (`YAMLValue`), never from a resolved tag, so the basic
            // resolver: the default one compiles seven regular expressions and matches each scalar against them,
            // a tenth of `plan`'s time on a hundred windows. Keys are duplicates when their texts are equal, so
            // a pair written `1:` and `"1":` is refused (two pairs of one name used to pass).
            node = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        } catch {
            throw ConfigError(file: file, "YAML error: \(error)")
        }
        guard let node else { throw ConfigError(file: file, line: 1, "the file is empty") }
        return YAMLValue(node: node, file: file, path: "")
    }

    private static func describe(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column,
                "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping")
        default:
            let oneLine = String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
            return ConfigError(file: file, "YAML error: \(oneLine)")
        }
    }

    static func resolve(_ path: String, against directory: URL) -> String {
        if path.hasPrefix("/") { return path }
        return directory.appendingPathComponent(path).standardizedFileURL.path
    }

    /// Pair and window names: safe in file names (locks), logs and CSV.
    /// `[A-Za-z0-9][A-Za-z0-9._-]{0,62}`, checked on the bytes: a `Regex` literal is parsed again on every call,
    /// which cost `plan` milliseconds on a hundred windows.
    static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...63).contains(bytes.count) else { return false }
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                if index == 0 { return false }
            default:
                return false
            }
        }
        return true
    }

    /// Region, project and instance ids: `[A-Za-z0-9._-]{1,128}`, checked on the bytes like ``isValidName(_:)``
    /// (a `Regex` per id was a tenth of a 1,000-pair idle pass).
    static func isValidIdentifier(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...128).contains(bytes.count) else { return false }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }

    private static func readPairs(_ value: YAMLValue, profiles: Set<String>) throws(ConfigError) -> [PairConfig] {
        let mapping = try value.mapping(allowed: [])
        guard !mapping.entries.isEmpty else { throw value.error("'pairs' must name at least one DR pair") }
        var pairs: [PairConfig] = []
        // Two pairs sharing an instance would pause and resume it against each other.
        var owners: [String: String] = [:]
        for (name, pairValue) in mapping.entries {
            guard isValidName(name) else {
                throw pairValue.error("pair name '\(name)' must be letters, digits, '.', '_' or '-' (at most 63)")
            }
            let sides = try pairValue.mapping(allowed: ["primary", "standby"])
            let (primary, primaryProfile) = try readInstance(try sides.required("primary"), profiles: profiles)
            let (standby, standbyProfile) = try readInstance(try sides.required("standby"), profiles: profiles)
            guard primary != standby else {
                throw pairValue.error("pair '\(name)' names the same instance as primary and standby")
            }
            for (side, instance) in [("primary", primary), ("standby", standby)] {
                let key = "\(instance.projectID)/\(instance.instanceID)"
                if let owner = owners[key] {
                    throw pairValue.error(
                        "pair '\(name)' \(side) is instance \(instance.instanceID), already used by \(owner); an instance belongs to one pair only"
                    )
                }
                owners[key] = "pair '\(name)' (\(side))"
            }
            pairs.append(
                PairConfig(
                    name: name, primary: primary, standby: standby, primaryProfile: primaryProfile,
                    standbyProfile: standbyProfile))
        }
        return pairs
    }

    /// One side: its instance, and the `cloud.profiles` entry it names with `auth:` (nil: `cloud.auth`).
    private static func readInstance(
        _ value: YAMLValue, profiles: Set<String>
    ) throws(ConfigError) -> (InstanceRef, String?) {
        let fields = try value.mapping(allowed: ["region", "project_id", "instance_id", "auth"])
        var profile: String?
        if let authValue = fields["auth"] {
            let name = try authValue.string()
            guard profiles.contains(name) else {
                let known =
                    profiles.isEmpty ? "none is defined" : "defined: \(profiles.sorted().joined(separator: ", "))"
                throw authValue.error("'\(authValue.path)' names profile '\(name)', not in cloud.profiles (\(known))")
            }
            profile = name
        }
        func identifier(_ key: String) throws(ConfigError) -> String {
            let field = try fields.required(key)
            let text = try field.string()
            guard isValidIdentifier(text) else {
                throw field.error("'\(field.path)' must be letters, digits, '.', '_' or '-'")
            }
            return text
        }
        let instance = InstanceRef(
            region: try identifier("region"), projectID: try identifier("project_id"),
            instanceID: try identifier("instance_id"))
        return (instance, profile)
    }
}
