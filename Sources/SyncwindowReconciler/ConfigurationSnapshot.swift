import Foundation
import SyncwindowConfig
import SyncwindowSchedule

/// What a `configuration` audit event records: the configuration's SHA-256, its pairs and
/// every window with all that decides when it opens — enough to rebuild the plan exactly as
/// it was, whatever the config files say today. Cloud settings and instances are left out:
/// the plan does not depend on them (and `pair_instances` records where instances are).
///
/// Stored as canonical JSON (sorted keys, no insignificant whitespace), so one configuration
/// always reads the same in the trail.
public struct ConfigurationSnapshot: Sendable, Equatable, Codable {
    /// One window as configured. Durations are in seconds, dates are local `YYYY-MM-DD` in
    /// `timezone`, `pairs` is `["*"]` for all pairs.
    public struct WindowRecord: Sendable, Equatable, Codable {
        public var name: String
        public var cron: String
        public var timezone: String
        public var durationSeconds: Double
        public var pairs: [String]
        public var cutoffSeconds: Double
        public var activeFrom: String?
        public var activeUntil: String?
        public var except: [String]
        public var enabled: Bool

        enum CodingKeys: String, CodingKey {
            case name, cron, timezone, pairs, except, enabled
            case durationSeconds = "duration_seconds"
            case cutoffSeconds = "cutoff_seconds"
            case activeFrom = "active_from"
            case activeUntil = "active_until"
        }

        public init(_ window: Window) {
            name = window.name
            cron = window.cron.source
            timezone = window.timeZone.identifier
            durationSeconds = window.duration
            switch window.pairs {
            case .all: pairs = ["*"]
            case .named(let names): pairs = names
            }
            cutoffSeconds = window.cutoff
            activeFrom = window.activeFrom?.description
            activeUntil = window.activeUntil?.description
            except = window.exceptDates.map(\.description).sorted()
            enabled = window.enabled
        }

        /// The window again, or why it cannot be rebuilt here (a zone this machine's tzdata lacks).
        public func window() throws(ConfigurationSnapshotError) -> Window {
            func fail(_ reason: String) -> ConfigurationSnapshotError {
                ConfigurationSnapshotError(reason: "window '\(name)': \(reason)")
            }
            let expression: CronExpression
            do {
                expression = try CronExpression.parse(cron)
            } catch {
                throw fail("cron \"\(cron)\": \(error)")
            }
            guard let zone = TimeZone(identifier: timezone) else { throw fail("unknown time zone '\(timezone)'") }
            func date(_ text: String?) throws(ConfigurationSnapshotError) -> LocalDate? {
                guard let text else { return nil }
                guard let date = LocalDate.parse(text) else { throw fail("'\(text)' is not a date") }
                return date
            }
            var exceptDates: Set<LocalDate> = []
            for text in except {
                if let day = try date(text) { exceptDates.insert(day) }
            }
            return Window(
                name: name, cron: expression, timeZone: zone, duration: durationSeconds,
                pairs: pairs == ["*"] ? .all : .named(pairs), cutoff: cutoffSeconds, activeFrom: try date(activeFrom),
                activeUntil: try date(activeUntil), exceptDates: exceptDates, enabled: enabled)
        }
    }

    /// The snapshot format; a reader refuses a newer one rather than misread it.
    public var version: Int
    /// `SyncwindowConfiguration.contentHash`, as `pass_started` records it.
    public var configSHA256: String
    /// Pair names, in configuration order.
    public var pairs: [String]
    /// Windows, in configuration order (file name, then position in the file).
    public var windows: [WindowRecord]

    public static let currentVersion = 1

    enum CodingKeys: String, CodingKey {
        case version, pairs, windows
        case configSHA256 = "config_sha256"
    }

    public init(configSHA256: String, pairs: [String], windows: [Window]) {
        version = Self.currentVersion
        self.configSHA256 = configSHA256
        self.pairs = pairs
        self.windows = windows.map(WindowRecord.init)
    }

    public init(_ configuration: SyncwindowConfiguration) {
        self.init(
            configSHA256: configuration.contentHash, pairs: configuration.pairs.map(\.name),
            windows: configuration.windows)
    }

    /// The canonical JSON text stored as the event's `detail`.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and booleans cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Reads a `configuration` event's `detail`.
    public static func parse(_ detail: String) throws(ConfigurationSnapshotError) -> ConfigurationSnapshot {
        let snapshot: ConfigurationSnapshot
        do {
            snapshot = try JSONDecoder().decode(ConfigurationSnapshot.self, from: Data(detail.utf8))
        } catch {
            throw ConfigurationSnapshotError(reason: "not a configuration snapshot (\(error))")
        }
        guard snapshot.version <= currentVersion else {
            throw ConfigurationSnapshotError(
                reason: "snapshot version \(snapshot.version) is newer than this syncwindow reads (\(currentVersion))")
        }
        return snapshot
    }

    /// The windows as they were configured, in order.
    public func rebuiltWindows() throws(ConfigurationSnapshotError) -> [Window] {
        var result: [Window] = []
        for record in windows { result.append(try record.window()) }
        return result
    }

    /// The schedule as it was configured.
    public func schedule() throws(ConfigurationSnapshotError) -> Schedule {
        Schedule(windows: try rebuiltWindows())
    }
}

/// A `configuration` event that cannot be read back into a plan.
public struct ConfigurationSnapshotError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
