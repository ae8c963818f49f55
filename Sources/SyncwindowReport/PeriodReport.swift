import Foundation
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
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
    ///
    /// The trail is read once, oldest first, and folded pair by pair as it is read (from a cursor
    /// where the store offers one): a year's trail is never in memory at once.
    public static func summary(
        configuration: SyncwindowConfiguration, audit: any AuditStoring, since: Date, until: Date,
        pairs: [String]? = nil
    ) async throws -> PeriodSummary {
        let names = configuration.pairs.map(\.name).filter { pairs?.contains($0) ?? true }
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() { index[name] = position }
        var folds = names.map { _ in PairEventFold(since: since, until: until) }
        let plan: PlanHistory
        if pairs == nil {
            // Events before `since` matter too: a pause that began before the period is still running in it.
            var planEvents = PlanHistory.Events()
            try await audit.forEachEvent(AuditQuery(until: until, kinds: PlanHistory.kinds + PairEventFold.kinds)) {
                event in
                if PlanHistory.kinds.contains(event.event.kind) {
                    planEvents.add(event)
                } else if let pair = event.event.pair, let position = index[pair] {
                    folds[position].add(event)
                }
            }
            plan = PlanHistory.build(events: planEvents.events, current: configuration)
        } else {
            plan = try await PlanHistory.load(from: audit, current: configuration, until: until)
            for (position, name) in names.enumerated() {
                try await audit.forEachEvent(AuditQuery(until: until, pair: name, kinds: PairEventFold.kinds)) {
                    folds[position].add($0)
                }
            }
        }
        // Pairs under the same windows in every era share their plan: worked out once, not once per pair.
        var plans: [[[Int]?]: PairPlan] = [:]
        let reports = zip(names, folds).map { name, fold in
            let key = plan.windowKey(forPair: name)
            let pairPlan = plans[key] ?? PairPlan(plan, pair: name, since: since, until: until)
            plans[key] = pairPlan
            return summarise(pair: name, fold: fold, plan: pairPlan, plannedFrom: plan.plannedFrom(pair: name))
        }
        return PeriodSummary(
            pairs: reports,
            configurations: plan.eras(overlapping: since, until),
            trailBegan: plan.trailBegan, notes: plan.periodNotes(since: since, until: until))
    }

    /// The report of one pair from its events (oldest first, none after `until`) and the plan. Pure.
    static func summarise(pair: String, events: [AuditEvent], plan: PlanHistory, since: Date, until: Date)
        -> PairReport
    {
        summarise(pair: pair, fold: fold(events, since: since, until: until), plan: plan)
    }

    static func summarise(pair: String, fold: PairEventFold, plan: PlanHistory) -> PairReport {
        summarise(
            pair: pair, fold: fold, plan: PairPlan(plan, pair: pair, since: fold.since, until: fold.until),
            plannedFrom: plan.plannedFrom(pair: pair))
    }

    /// What the plan says of one pair over a period.
    struct PairPlan {
        var planned: [Occurrence]
        var open: [DateInterval]
        var suppressed: [SuppressedOccurrence]

        init(_ plan: PlanHistory, pair: String, since: Date, until: Date) {
            planned = plan.plannedOccurrences(forPair: pair, since: since, until: until)
            open = plan.openIntervals(forPair: pair, since: since, until: until)
            suppressed = plan.suppressedOccurrences(forPair: pair, since: since, until: until)
        }
    }

    static func summarise(pair: String, fold: PairEventFold, plan: PairPlan, plannedFrom: Date?) -> PairReport {
        var report = summarise(pair: pair, fold: fold, planned: plan.planned)
        report.pausedOutsideWindows = subtract(plan.open, from: report.timeline.paused)
        report.pausedOutsideWindowsSeconds = report.pausedOutsideWindows.reduce(0) { $0 + $1.duration }
        report.timeline.suppressed = plan.suppressed
        report.plannedFrom = plannedFrom
        return report
    }

    static func summarise(pair: String, events: [AuditEvent], planned: [Occurrence], since: Date, until: Date)
        -> PairReport
    {
        summarise(pair: pair, fold: fold(events, since: since, until: until), planned: planned)
    }

    static func fold(_ events: [AuditEvent], since: Date, until: Date) -> PairEventFold {
        var fold = PairEventFold(since: since, until: until)
        for event in events { fold.add(event) }
        return fold
    }

    static func summarise(pair: String, fold: PairEventFold, planned: [Occurrence]) -> PairReport {
        let (since, until) = (fold.since, fold.until)
        // A pause whose job failed at once held nothing: it neither honours a window nor counts as a pause.
        let intervals = fold.pauses.intervals(openUntil: until).filter { $0.duration > 0 }
        let skippedEvents = fold.skipped
        let holds = overrideHolds(fold.overrideChanges, since: since, until: until)
        var honoured = 0, missed = 0, skipped = 0
        var latencies: [Double] = []
        var verdicts: [PlannedOccurrence] = []
        for occurrence in planned {
            let overlapEnd = min(occurrence.end, until)
            if let interval = intervals.first(where: { $0.start < overlapEnd && $0.end > occurrence.start }) {
                honoured += 1
                let latency = max(0, interval.start.timeIntervalSince(occurrence.start))
                latencies.append(latency)
                verdicts.append(PlannedOccurrence(occurrence: occurrence, verdict: .honoured, latencySeconds: latency))
            } else if !skippedEvents.isEmpty,
                case let start = RFC3339.format(occurrence.start, in: .gmt),
                let event = skippedEvents.first(where: {
                    $0.event.detail == start && ($0.event.window ?? occurrence.window) == occurrence.window
                })
            {
                skipped += 1
                verdicts.append(
                    PlannedOccurrence(occurrence: occurrence, verdict: .skipped, note: event.event.reason ?? "skipped"))
            } else if let hold = holds.first(where: {
                $0.state == .syncing && $0.from < occurrence.end && $0.ended > occurrence.start
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
        var report = PairReport(
            pair: pair, windowsPlanned: planned.count, windowsHonoured: honoured, windowsMissed: missed,
            windowsSkipped: skipped, pauses: intervals.filter { $0.start >= since && $0.start < until }.count,
            resumes: intervals.filter { $0.end >= since && $0.end < until }.count, failures: fold.failures.count,
            pausedSeconds: clipped.reduce(0) { $0 + $1.duration }, maxPauseLatencySeconds: latencies.max(),
            overrides: fold.overridesSet)
        report.pauseLatency = LatencySummary(latencies)
        report.overrideHolds = holds
        report.failureList = fold.failures
        report.timeline = PairTimeline(
            planned: verdicts, paused: clipped, drift: fold.drift, skippedEvents: fold.skippedMarks)
        return report
    }

    /// When syncwindow held the pair paused: from the call that took its first side out of
    /// sync to the call that put its last side back (an interval still open ends at `openUntil`).
    static func pausedIntervals(_ events: [AuditEvent], openUntil: Date) -> [DateInterval] {
        var tracker = PauseTracker()
        for stored in events { tracker.add(stored.event) }
        return tracker.intervals(openUntil: openUntil)
    }
}
