import Foundation
import Synchronization
import SyncwindowSchedule

/// Where a window was defined, for messages that point the operator at the right line.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var description: String {
        [file, line.map(String.init), column.map(String.init)].compactMap { $0 }.joined(separator: ":")
    }
}

/// Reads the `*.yaml` window files of the schedules directory.
enum WindowFileLoader {
    static let windowKeys = [
        "name", "cron", "timezone", "duration", "pairs", "cutoff", "active_from", "active_until", "except", "enabled",
    ]

    /// The window files, sorted by name. `.yml` counts too; other files are ignored.
    static func files(in directory: String, referencedFrom value: YAMLValue) throws(ConfigError) -> [String] {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw value.error("schedules \(directory) is a file; set 'schedules' to a directory of *.yaml window files")
        }
        guard exists else {
            throw value.error(
                "schedules directory \(directory) does not exist — set 'schedules' to a directory of *.yaml window files"
            )
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw value.error("cannot list schedules directory \(directory) — check its permissions")
        }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            return (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
            .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
    }

    static func windows(in text: String, file: String, knownPairs: [String]) throws(ConfigError) -> [(
        Window, SourceLocation
    )] {
        let root = try ConfigLoader.parse(text, file: file)
        let top = try root.mapping(allowed: ["windows"])
        var result: [(Window, SourceLocation)] = []
        for entry in try top.required("windows").sequence() {
            let location = SourceLocation(file: file, line: entry.node.mark?.line, column: entry.node.mark?.column)
            result.append((try window(entry, knownPairs: knownPairs), location))
        }
        return result
    }

    private static func window(_ value: YAMLValue, knownPairs: [String]) throws(ConfigError) -> Window {
        let fields = try value.mapping(allowed: windowKeys)
        let nameValue = try fields.required("name")
        let name = try nameValue.string()
        guard ConfigLoader.isValidName(name) else {
            throw nameValue.error("window name '\(name)' must be letters, digits, '.', '_' or '-' (at most 63)")
        }
        let cronValue = try fields.required("cron")
        let cronText = try cronValue.string()
        let cron: CronExpression
        do {
            cron = try CronExpression.parse(cronText)
        } catch {
            throw cronValue.error("window '\(name)': cron \"\(cronText)\": \(error)")
        }
        var zone = TimeZone(identifier: "UTC")!
        if let zoneValue = fields["timezone"] {
            let identifier = try zoneValue.string()
            guard let named = knownZone(identifier),
                identifier.contains("/") || identifier == "UTC" || identifier == named.identifier
            else {
                throw zoneValue.error(
                    "window '\(name)': unknown time zone '\(identifier)' — use an IANA name like Europe/Berlin")
            }
            zone = named
        }
        let durationValue = try fields.required("duration")
        let duration = try CloudSettingsReader.duration(durationValue)
        guard (60...86_400).contains(duration) else {
            throw durationValue.error("window '\(name)': duration must be from 1m to 24h")
        }
        var cutoff: TimeInterval = 0
        if let cutoffValue = fields["cutoff"] {
            cutoff = try CloudSettingsReader.duration(cutoffValue)
            guard cutoff < duration else {
                throw cutoffValue.error(
                    "window '\(name)': cutoff must be shorter than the duration, or the window never pauses")
            }
        }
        let pairs = try pairSelector(try fields.required("pairs"), window: name, knownPairs: knownPairs)
        let activeFrom = try fields["active_from"].map { v throws(ConfigError) in try date(v, window: name) }
        let activeUntil = try fields["active_until"].map { v throws(ConfigError) in try date(v, window: name) }
        if let activeFrom, let activeUntil, activeUntil < activeFrom, let untilValue = fields["active_until"] {
            throw untilValue.error("window '\(name)': active_until \(activeUntil) is before active_from \(activeFrom)")
        }
        var exceptDates: Set<LocalDate> = []
        if let exceptValue = fields["except"] {
            for item in try exceptValue.sequence() { exceptDates.insert(try date(item, window: name)) }
        }
        let enabled = try fields["enabled"]?.bool() ?? true
        return Window(
            name: name, cron: cron, timeZone: zone, duration: duration, pairs: pairs, cutoff: cutoff,
            activeFrom: activeFrom, activeUntil: activeUntil, exceptDates: exceptDates, enabled: enabled)
    }

    /// `TimeZone(identifier:)`, remembered: a hundred windows name a handful of zones, and each lookup takes a
    /// lock and asks ICU. Only zones that exist are kept (a few hundred at most, whatever the input).
    private static let zones = Mutex<[String: TimeZone]>([:])

    private static func knownZone(_ identifier: String) -> TimeZone? {
        if let known = zones.withLock({ $0[identifier] }) { return known }
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        zones.withLock { $0[identifier] = zone }
        return zone
    }

    private static func pairSelector(_ value: YAMLValue, window: String, knownPairs: [String]) throws(ConfigError)
        -> PairSelector
    {
        let items = try value.sequence()
        guard !items.isEmpty else {
            throw value.error("window '\(window)': 'pairs' must name at least one pair, or [\"*\"] for all")
        }
        var names: [String] = []
        for item in items {
            let name = try item.string()
            if name == "*" {
                guard items.count == 1 else {
                    throw item.error("window '\(window)': \"*\" already means all pairs; list it alone")
                }
                return .all
            }
            guard knownPairs.contains(name) else {
                let hint = YAMLValue.closest(to: name, in: knownPairs).map { " (did you mean '\($0)'?)" } ?? ""
                throw item.error(
                    "window '\(window)': unknown pair '\(name)'\(hint); pairs are defined in the main config")
            }
            if !names.contains(name) { names.append(name) }
        }
        return .named(names)
    }

    private static func date(_ value: YAMLValue, window: String) throws(ConfigError) -> LocalDate {
        let text = try value.string()
        guard let date = LocalDate.parse(text) else {
            throw value.error("window '\(window)': '\(text)' is not a real date in the form YYYY-MM-DD")
        }
        return date
    }
}
