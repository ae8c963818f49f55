import Foundation
import SyncwindowSchedule

/// What a pair should be doing at an instant.
public enum SyncState: String, Sendable, Codable, Equatable {
    case paused, syncing
}

/// An operator's hold on a pair, until `until`.
public struct ActiveOverride: Sendable, Equatable {
    public var state: SyncState
    public var until: Date
    public var actor: String
    public var reason: String

    public init(state: SyncState, until: Date, actor: String, reason: String) {
        self.state = state
        self.until = until
        self.actor = actor
        self.reason = reason
    }
}

/// A window that would have paused the pair now but does not, and why.
public struct SkippedWindow: Sendable, Equatable {
    public var occurrence: Occurrence
    public var reason: String
}

/// The verdict for one pair at one instant.
public struct DesiredState: Sendable, Equatable {
    public var state: SyncState
    /// Why, in words an operator reads in `status` and the audit.
    public var reason: String
    /// The open window occurrences (empty outside windows).
    public var openOccurrences: [Occurrence]
    /// The merged pause interval while a window is open.
    public var pauseInterval: DateInterval?
    public var override: ActiveOverride?
    public var skipped: [SkippedWindow]
    /// Someone resumed syncwindow's pause inside the open window: syncwindow keeps its hands
    /// off the pair (on every side) until the window closes.
    public var releasedToOperator = false

    /// Decides the desired state. Pure: the same inputs always give the same answer.
    /// - Parameters:
    ///   - alreadyPausedBySchedule: whether syncwindow holds a pause on this pair now;
    ///     `cutoff` only prevents *starting* a pause late, it never cuts a running one short.
    ///   - resumedBySomeoneElseAt: when syncwindow last found its pause undone by someone
    ///     else; inside the same window that decision stands (syncwindow never fights an
    ///     operator), and the next window pauses again.
    public static func evaluate(
        pair: String, at instant: Date, schedule: Schedule, override: ActiveOverride?, alreadyPausedBySchedule: Bool,
        resumedBySomeoneElseAt: Date? = nil
    ) -> DesiredState {
        let open = schedule.openOccurrences(forPair: pair, at: instant)
        let interval = open.isEmpty ? nil : schedule.mergedInterval(forPair: pair, at: instant)
        let skipped = schedule.suppressedOccurrences(forPair: pair, openAt: instant).map {
            SkippedWindow(occurrence: $0.occurrence, reason: $0.reason)
        }
        if let override, override.until > instant {
            let verb = override.state == .paused ? "hold paused" : "hold syncing"
            return DesiredState(
                state: override.state,
                reason:
                    "override by \(override.actor) (\(verb)) until \(RFC3339.format(override.until, in: .gmt)): \(override.reason)",
                openOccurrences: open, pauseInterval: interval, override: override, skipped: skipped)
        }
        guard let interval, !open.isEmpty else {
            return DesiredState(
                state: .syncing, reason: "no window open", openOccurrences: [], pauseInterval: nil, override: nil,
                skipped: skipped)
        }
        let names = open.map(\.window).joined(separator: ", ")
        if let resumed = resumedBySomeoneElseAt, resumed >= interval.start, resumed <= instant {
            return DesiredState(
                state: .syncing,
                reason:
                    "window \(names) open, but someone else resumed the pair at \(RFC3339.format(resumed, in: .gmt)); left syncing until the window closes",
                openOccurrences: open, pauseInterval: interval, override: nil, skipped: skipped,
                releasedToOperator: true)
        }
        let remaining = interval.end.timeIntervalSince(instant)
        let cutoffs = Dictionary(schedule.windows.map { ($0.name, $0.cutoff) }, uniquingKeysWith: { first, _ in first })
        let startable = open.contains { remaining >= (cutoffs[$0.window] ?? 0) }
        if alreadyPausedBySchedule || startable {
            return DesiredState(
                state: .paused, reason: "window \(names) open until \(RFC3339.format(interval.end, in: .gmt))",
                openOccurrences: open, pauseInterval: interval, override: nil, skipped: skipped)
        }
        let cutoffSkips = open.map {
            SkippedWindow(
                occurrence: $0,
                reason:
                    "cutoff: only \(DurationText.format(remaining)) of the window left, less than its cutoff \(DurationText.format(cutoffs[$0.window] ?? 0))"
            )
        }
        return DesiredState(
            state: .syncing, reason: "window \(names) open but past its cutoff", openOccurrences: open,
            pauseInterval: interval, override: nil, skipped: skipped + cutoffSkips)
    }
}
