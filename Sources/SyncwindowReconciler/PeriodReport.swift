import Foundation
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowSchedule

/// One pair's summary of a period, as `syncwindow report` prints it.
public struct PairReport: Sendable, Equatable {
    public var pair: String
    /// Window occurrences that started in the period.
    public var windowsPlanned: Int
    /// Planned occurrences during which syncwindow held the pair paused.
    public var windowsHonoured: Int
    /// Planned occurrences that have ended with no pause and no recorded reason (cutoff, exception…).
    public var windowsMissed: Int
    /// Planned occurrences deliberately not paused, with a `skipped` event saying why.
    public var windowsSkipped: Int
    public var pauses: Int
    public var resumes: Int
    /// Failed calls, failed jobs and pass errors.
    public var failures: Int
    public var pausedSeconds: Double
    /// The longest delay from a window opening to syncwindow's pause call; nil without honoured windows.
    public var maxPauseLatencySeconds: Double?
    public var overrides: Int
}

/// Builds period reports from the configuration's schedule and the audit trail.
public enum PeriodReport {
    public static func build(
        configuration: SyncwindowConfiguration, audit: AuditStore, since: Date, until: Date, pairs: [String]? = nil
    ) async throws -> [PairReport] {
        let schedule = Schedule(windows: configuration.windows)
        var reports: [PairReport] = []
        for pair in configuration.pairs where pairs?.contains(pair.name) ?? true {
            // Events before `since` matter too: a pause that began before the period is still running in it.
            let events = try await audit.events(AuditQuery(until: until, pair: pair.name))
            let planned = schedule.occurrences(forPair: pair.name, startingFrom: since, before: until)
            reports.append(summarise(pair: pair.name, events: events, planned: planned, since: since, until: until))
        }
        return reports
    }

    static func summarise(pair: String, events: [AuditEvent], planned: [Occurrence], since: Date, until: Date)
        -> PairReport
    {
        let intervals = pausedIntervals(events, openUntil: until)
        let inPeriod = events.filter { $0.event.at >= since && $0.event.at < until }
        let skippedStarts = Set(events.filter { $0.event.kind == .skipped }.compactMap(\.event.detail))
        var honoured = 0, missed = 0, skipped = 0
        var maxLatency: Double?
        for occurrence in planned {
            let overlapEnd = min(occurrence.end, until)
            if let interval = intervals.first(where: { $0.start < overlapEnd && $0.end > occurrence.start }) {
                honoured += 1
                let latency = max(0, interval.start.timeIntervalSince(occurrence.start))
                maxLatency = max(maxLatency ?? 0, latency)
            } else if skippedStarts.contains(RFC3339.format(occurrence.start, in: .gmt)) {
                skipped += 1
            } else if occurrence.end <= until {
                missed += 1
            }
        }
        let paused = intervals.reduce(0.0) { total, interval in
            total + max(0, min(interval.end, until).timeIntervalSince(max(interval.start, since)))
        }
        let failureOutcome = inPeriod.filter {
            $0.event.kind == .error || $0.event.kind == .jobFailed
                || (($0.event.kind == .pauseOutcome || $0.event.kind == .resumeOutcome)
                    && $0.event.outcome == CallOutcome.error)
        }
        return PairReport(
            pair: pair, windowsPlanned: planned.count, windowsHonoured: honoured, windowsMissed: missed,
            windowsSkipped: skipped, pauses: intervals.filter { $0.start >= since && $0.start < until }.count,
            resumes: intervals.filter { $0.end >= since && $0.end < until }.count, failures: failureOutcome.count,
            pausedSeconds: paused, maxPauseLatencySeconds: maxLatency,
            overrides: inPeriod.filter { $0.event.kind == .overrideSet }.count)
    }

    /// When syncwindow held the pair paused: from the call that took its first side out of
    /// sync to the call that put its last side back (an interval still open ends at `openUntil`).
    static func pausedIntervals(_ events: [AuditEvent], openUntil: Date) -> [DateInterval] {
        var owned: Set<PairSide> = []
        var start: Date?
        var intervals: [DateInterval] = []
        for stored in events {
            let event = stored.event
            guard let side = event.side else { continue }
            let took = [CallOutcome.accepted, CallOutcome.landed].contains(event.outcome ?? "")
            switch event.kind {
            case .pauseOutcome where took: owned.insert(side)
            case .resumeOutcome where took: owned.remove(side)
            case .jobFailed where event.detail == "resume": owned.insert(side)
            case .jobFailed where event.detail == "pause": owned.remove(side)
            // Someone resumed syncwindow's pause by hand: from here on it is not paused by us.
            case .drift where event.outcome == CallOutcome.released: owned.remove(side)
            default: continue
            }
            if !owned.isEmpty && start == nil {
                start = event.at
            } else if owned.isEmpty, let begun = start {
                intervals.append(DateInterval(start: begun, end: max(begun, event.at)))
                start = nil
            }
        }
        if let start, openUntil > start { intervals.append(DateInterval(start: start, end: openUntil)) }
        return intervals
    }
}
