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
    /// Planned occurrences deliberately not paused: a `skipped` event says why, or an operator
    /// held the pair syncing over them.
    public var windowsSkipped: Int
    public var pauses: Int
    public var resumes: Int
    /// Failed calls, failed jobs and pass errors.
    public var failures: Int
    public var pausedSeconds: Double
    /// The longest delay from a window opening to syncwindow's pause call; nil without honoured windows.
    public var maxPauseLatencySeconds: Double?
    /// Overrides set in the period.
    public var overrides: Int
    /// Time syncwindow held the pair paused while none of its windows was open.
    public var pausedOutsideWindowsSeconds: Double = 0
    /// The intervals behind `pausedOutsideWindowsSeconds`, clipped to the period.
    public var pausedOutsideWindows: [DateInterval] = []
    /// Delay from window open to pause over the honoured windows; nil without any.
    public var pauseLatency: LatencySummary?
    /// Operator holds in force at any time in the period.
    public var overrideHolds: [OverrideHold] = []
    /// Every failure behind `failures`, oldest first.
    public var failureList: [ReportFailure] = []
    /// What the HTML timeline draws.
    public var timeline = PairTimeline()
    /// When the pair's windows start to count: the trail's first pass, or the first recorded
    /// configuration naming the pair; nil when no configuration in the trail names it.
    public var plannedFrom: Date?
}

/// A period's report: per pair, and the configurations that judged it.
public struct PeriodSummary: Sendable {
    public var pairs: [PairReport]
    /// The configurations in force during the period, oldest first, clipped to it.
    public var configurations: [PlanHistory.Era]
    /// When the trail's first pass ran; nil without any.
    public var trailBegan: Date?
    /// Where the plan came from, for the reader (one sentence each).
    public var notes: [String]
}

/// Builds period reports from the audit trail, judging each instant against the plan in force
/// then (`PlanHistory`): the configuration the trail recorded, not today's files.
public enum PeriodReport {
    public static func build(
        configuration: SyncwindowConfiguration, audit: any AuditStoring, since: Date, until: Date,
        pairs: [String]? = nil
    ) async throws -> [PairReport] {
        try await summary(configuration: configuration, audit: audit, since: since, until: until, pairs: pairs).pairs
    }

    /// The period's report with the configurations behind it. `configuration` names the pairs
    /// reported and stands in for the plan only where the trail records none.
    public static func summary(
        configuration: SyncwindowConfiguration, audit: any AuditStoring, since: Date, until: Date,
        pairs: [String]? = nil
    ) async throws -> PeriodSummary {
        let plan = try await PlanHistory.load(from: audit, current: configuration, until: until)
        var reports: [PairReport] = []
        for pair in configuration.pairs where pairs?.contains(pair.name) ?? true {
            // Events before `since` matter too: a pause that began before the period is still running in it.
            let events = try await audit.events(AuditQuery(until: until, pair: pair.name))
            reports.append(summarise(pair: pair.name, events: events, plan: plan, since: since, until: until))
        }
        return PeriodSummary(
            pairs: reports, configurations: plan.eras(overlapping: since, until),
            trailBegan: plan.trailBegan, notes: plan.periodNotes(since: since, until: until))
    }

    /// The report of one pair from its events (oldest first, none after `until`) and the plan. Pure.
    static func summarise(pair: String, events: [AuditEvent], plan: PlanHistory, since: Date, until: Date)
        -> PairReport
    {
        let planned = plan.plannedOccurrences(forPair: pair, since: since, until: until)
        var report = summarise(pair: pair, events: events, planned: planned, since: since, until: until)
        let period = DateInterval(start: since, end: until)
        let paused = pausedIntervals(events, openUntil: until).compactMap { $0.intersection(with: period) }
            .filter { $0.duration > 0 }
        report.pausedOutsideWindows = subtract(
            plan.openIntervals(forPair: pair, since: since, until: until), from: paused)
        report.pausedOutsideWindowsSeconds = report.pausedOutsideWindows.reduce(0) { $0 + $1.duration }
        report.timeline.suppressed = plan.suppressedOccurrences(forPair: pair, since: since, until: until)
        report.plannedFrom = plan.plannedFrom(pair: pair)
        return report
    }

    static func summarise(pair: String, events: [AuditEvent], planned: [Occurrence], since: Date, until: Date)
        -> PairReport
    {
        // A pause whose job failed at once held nothing: it neither honours a window nor counts as a pause.
        let intervals = pausedIntervals(events, openUntil: until).filter { $0.duration > 0 }
        let inPeriod = events.filter { $0.event.at >= since && $0.event.at < until }
        let skippedEvents = events.filter { $0.event.kind == .skipped }
        let holds = overrideHolds(events, since: since, until: until)
        var honoured = 0, missed = 0, skipped = 0
        var latencies: [Double] = []
        var verdicts: [PlannedOccurrence] = []
        for occurrence in planned {
            let overlapEnd = min(occurrence.end, until)
            let start = RFC3339.format(occurrence.start, in: .gmt)
            if let interval = intervals.first(where: { $0.start < overlapEnd && $0.end > occurrence.start }) {
                honoured += 1
                let latency = max(0, interval.start.timeIntervalSince(occurrence.start))
                latencies.append(latency)
                verdicts.append(PlannedOccurrence(occurrence: occurrence, verdict: .honoured, latencySeconds: latency))
            } else if let event = skippedEvents.first(where: {
                $0.event.detail == start && ($0.event.window ?? occurrence.window) == occurrence.window
            }) {
                skipped += 1
                verdicts.append(
                    PlannedOccurrence(occurrence: occurrence, verdict: .skipped, note: event.event.reason ?? "skipped"))
            } else if let hold = holds.first(where: {
                $0.state == "syncing" && $0.from < occurrence.end && $0.ended > occurrence.start
            }) {
                skipped += 1
                verdicts.append(
                    PlannedOccurrence(
                        occurrence: occurrence, verdict: .skipped,
                        note: "override by \(hold.actor) (hold syncing): \(hold.reason)"))
            } else if occurrence.end <= until {
                missed += 1
                verdicts.append(PlannedOccurrence(occurrence: occurrence, verdict: .missed))
            } else {
                verdicts.append(PlannedOccurrence(occurrence: occurrence, verdict: .pending))
            }
        }
        let clipped = intervals.compactMap { $0.intersection(with: DateInterval(start: since, end: until)) }
            .filter { $0.duration > 0 }
        let failures = inPeriod.filter(isFailure)
        var report = PairReport(
            pair: pair, windowsPlanned: planned.count, windowsHonoured: honoured, windowsMissed: missed,
            windowsSkipped: skipped, pauses: intervals.filter { $0.start >= since && $0.start < until }.count,
            resumes: intervals.filter { $0.end >= since && $0.end < until }.count, failures: failures.count,
            pausedSeconds: clipped.reduce(0) { $0 + $1.duration }, maxPauseLatencySeconds: latencies.max(),
            overrides: inPeriod.filter { $0.event.kind == .overrideSet }.count)
        report.pauseLatency = LatencySummary(latencies)
        report.overrideHolds = holds
        report.failureList = failures.map(ReportFailure.init)
        report.timeline = PairTimeline(
            planned: verdicts, paused: clipped,
            drift: inPeriod.filter { $0.event.kind == .drift }.map {
                TimelineMark(
                    at: $0.event.at,
                    text: [$0.event.detail, $0.event.reason].compactMap { $0 }
                        .joined(separator: ": "))
            },
            skippedEvents: inPeriod.filter { $0.event.kind == .skipped }.map {
                TimelineMark(at: $0.event.at, text: "\($0.event.window ?? "window"): \($0.event.reason ?? "skipped")")
            })
        return report
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
            let took = [AuditOutcome.accepted, AuditOutcome.landed].contains(event.outcome ?? "")
            switch event.kind {
            case .pauseOutcome where took: owned.insert(side)
            case .resumeOutcome where took: owned.remove(side)
            case .jobFailed where event.detail == "resume": owned.insert(side)
            case .jobFailed where event.detail == "pause": owned.remove(side)
            // Someone resumed syncwindow's pause by hand: from here on it is not paused by us.
            case .drift where event.outcome == AuditOutcome.released: owned.remove(side)
            default: continue
            }
            if !owned.isEmpty && start == nil {
                // A resume whose job then failed never un-paused the pair: the pause goes on.
                if let last = intervals.last, last.end == event.at {
                    start = intervals.removeLast().start
                } else {
                    start = event.at
                }
            } else if owned.isEmpty, let begun = start {
                intervals.append(DateInterval(start: begun, end: max(begun, event.at)))
                start = nil
            }
        }
        if let start, openUntil > start { intervals.append(DateInterval(start: start, end: openUntil)) }
        return intervals
    }
}
