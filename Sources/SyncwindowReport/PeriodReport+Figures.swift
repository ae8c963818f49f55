import Foundation
import SyncwindowAudit
import SyncwindowReconciler
import SyncwindowSchedule

/// Pause latency over a period's honoured windows, by the nearest-rank method: p50 is the
/// ⌈0.5·n⌉-th smallest latency, p95 the ⌈0.95·n⌉-th — always a latency that happened.
public struct LatencySummary: Sendable, Equatable {
    public var p50: Double
    public var p95: Double
    public var max: Double

    public init?(_ latencies: [Double]) {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        func rank(_ q: Double) -> Double { sorted[Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1)] }
        p50 = rank(0.5)
        p95 = rank(0.95)
        max = sorted[sorted.count - 1]
    }
}

/// An operator's hold as the trail shows it: set at `from` until `until`, ended at `ended`
/// (earlier when cleared or replaced by another override).
public struct OverrideHold: Sendable, Equatable {
    public var actor: String
    public var reason: String
    /// The state the operator held the pair in.
    public var state: SyncState
    public var from: Date
    public var until: Date
    public var ended: Date
}

/// A failed call, failed job or pass error.
public struct ReportFailure: Sendable, Equatable {
    public var at: Date
    /// The audit kind: `error`, `job_failed`, `pause_outcome` or `resume_outcome`.
    public var kind: String
    public var side: String?
    public var jobID: String?
    public var detail: String

    init(_ stored: AuditEvent) {
        let event = stored.event
        at = event.at
        kind = event.kind.rawValue
        side = event.side?.rawValue
        jobID = event.jobID
        switch event.kind {
        case .jobFailed: detail = "\(event.detail ?? "") job failed: \(event.reason ?? "no reason given")"
        case .error: detail = event.detail ?? event.reason ?? "error"
        default: detail = "\(event.kind == .pauseOutcome ? "pause" : "resume") call failed: \(event.reason ?? "")"
        }
    }
}

/// A planned occurrence and what became of it.
public struct PlannedOccurrence: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable {
        case honoured, missed, skipped
        /// Not over yet at the end of the period, and not paused so far.
        case pending
    }

    public var occurrence: Occurrence
    public var verdict: Verdict
    public var latencySeconds: Double?
    /// Why a skipped occurrence was skipped.
    public var note: String?

    public init(occurrence: Occurrence, verdict: Verdict, latencySeconds: Double? = nil, note: String? = nil) {
        self.occurrence = occurrence
        self.verdict = verdict
        self.latencySeconds = latencySeconds
        self.note = note
    }
}

/// One instant on a timeline with a line of text.
public struct TimelineMark: Sendable, Equatable {
    public var at: Date
    public var text: String
}

/// What the report's timeline draws for one pair, clipped to the period.
public struct PairTimeline: Sendable, Equatable {
    public var planned: [PlannedOccurrence] = []
    public var paused: [DateInterval] = []
    public var drift: [TimelineMark] = []
    /// `skipped` events of the trail (cutoff, exception date, disabled…).
    public var skippedEvents: [TimelineMark] = []
    /// Exception dates and other suppressed occurrences, from the schedule.
    public var suppressed: [SuppressedOccurrence] = []

    public init(
        planned: [PlannedOccurrence] = [], paused: [DateInterval] = [], drift: [TimelineMark] = [],
        skippedEvents: [TimelineMark] = [], suppressed: [SuppressedOccurrence] = []
    ) {
        self.planned = planned
        self.paused = paused
        self.drift = drift
        self.skippedEvents = skippedEvents
        self.suppressed = suppressed
    }
}

extension PeriodReport {
    static func isFailure(_ stored: AuditEvent) -> Bool {
        let event = stored.event
        return event.kind == .error || event.kind == .jobFailed
            || ((event.kind == .pauseOutcome || event.kind == .resumeOutcome) && event.auditOutcome == .error)
    }

    /// Overrides in force at some time in [since, until): each lasts until its `until`, or
    /// until a later override is set or cleared.
    static func overrideHolds(_ events: [AuditEvent], since: Date, until: Date) -> [OverrideHold] {
        let changes = events.filter { [.overrideSet, .overrideCleared].contains($0.event.kind) }
        var holds: [OverrideHold] = []
        for (index, stored) in changes.enumerated() where stored.event.kind == .overrideSet {
            let event = stored.event
            guard let end = event.until, let state = event.overrideState else { continue }
            let next = changes.dropFirst(index + 1).first { $0.event.at >= event.at }?.event.at
            let ended = min(end, next ?? end)
            guard event.at < until && ended > since else { continue }
            holds.append(
                OverrideHold(
                    actor: event.actor, reason: event.reason ?? "", state: state, from: event.at,
                    until: end, ended: ended))
        }
        return holds
    }

    /// `intervals` less everything `windows` covers, in order.
    static func subtract(_ windows: [DateInterval], from intervals: [DateInterval]) -> [DateInterval] {
        let covers = windows.sorted { $0.start < $1.start }
        var result: [DateInterval] = []
        for interval in intervals {
            var cursor = interval.start
            for cover in covers where cover.end > cursor && cover.start < interval.end {
                if cover.start > cursor { result.append(DateInterval(start: cursor, end: cover.start)) }
                cursor = max(cursor, cover.end)
            }
            if cursor < interval.end { result.append(DateInterval(start: cursor, end: interval.end)) }
        }
        return result
    }
}
