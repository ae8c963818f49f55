import Foundation
import SyncwindowSchedule

/// Why a host acted on no pair in a pass on a shared store: it disagrees with the store or
/// the other hosts about what time it is or which windows are configured, and acting would
/// undo what they do (issue 17). Exit 1, one line on stderr, shown by `status` and the metrics.
public enum StandDown: Sendable, Equatable, CustomStringConvertible {
    /// This host's clock (or `--at`) is further from the store's than `max_clock_skew` allows.
    case clockSkew(ClockSkew)
    /// Another host put a different configuration into effect after this host last did.
    case configurationDiverged(ConfigurationDivergence)

    /// The label of `syncwindow_host_standing_down{reason=…}`.
    public var reason: String {
        switch self {
        case .clockSkew: "clock_skew"
        case .configurationDiverged: "configuration"
        }
    }

    public static let reasons = ["clock_skew", "configuration"]

    public var description: String {
        switch self {
        case .clockSkew(let skew):
            let direction = skew.seconds < 0 ? "ahead of" : "behind"
            return "this host's clock reads \(Self.time(skew.hostNow)) but the store's reads "
                + "\(Self.time(skew.storeNow)): \(Self.seconds(abs(skew.seconds))) \(direction) it, more than "
                + "store.postgres.max_clock_skew (\(Self.seconds(skew.tolerance))) plus half the round trip "
                + "(\(Self.seconds(skew.roundTrip / 2))); acting on no pair — fix this host's time sync "
                + "(chrony, NTP); --at is refused on a shared store unless it is a rehearsal store"
        case .configurationDiverged(let divergence):
            return divergence.description
        }
    }

    /// An instant as the stand-down lines print it: UTC, with milliseconds when present.
    public static func time(_ date: Date) -> String { RFC3339.format(date, in: .gmt) }

    /// Seconds as the stand-down lines print them: milliseconds below 100 s, whole seconds above.
    public static func seconds(_ value: TimeInterval) -> String {
        value >= 100 ? "\(Int(value.rounded()))s" : String(format: "%.3fs", value)
    }
}
