import Foundation
import SyncwindowAudit
import SyncwindowReconciler

/// When syncwindow held a pair paused, worked out one event at a time (oldest first): from the
/// call that took its first side out of sync to the call that put its last side back.
struct PauseTracker: Sendable {
    private var owned: Set<PairSide> = []
    private var start: Date?
    private var closed: [DateInterval] = []

    mutating func add(_ event: NewAuditEvent) {
        guard let side = event.side, let hold = event.sideHold else { return }
        switch hold {
        case .syncwindow: owned.insert(side)
        case .released: owned.remove(side)
        }
        if !owned.isEmpty && start == nil {
            // A resume whose job then failed never un-paused the pair: the pause goes on.
            if let last = closed.last, last.end == event.at {
                start = closed.removeLast().start
            } else {
                start = event.at
            }
        } else if owned.isEmpty, let begun = start {
            closed.append(DateInterval(start: begun, end: max(begun, event.at)))
            start = nil
        }
    }

    /// The intervals so far, one still open ending at `openUntil`.
    func intervals(openUntil: Date) -> [DateInterval] {
        guard let start, openUntil > start else { return closed }
        return closed + [DateInterval(start: start, end: openUntil)]
    }
}

/// One pair's events as a period report needs them, taken one at a time (oldest first, none at or
/// after `until`), so that a report over a year's trail keeps what it prints — intervals, failures,
/// holds — and not the events behind them.
struct PairEventFold: Sendable {
    let since: Date
    let until: Date
    private(set) var pauses = PauseTracker()
    /// Every `override_set` and `override_cleared`: a hold set before the period may last into it.
    private(set) var overrideChanges: [AuditEvent] = []
    /// Every `skipped` event: one recorded before the period may name an occurrence in it.
    private(set) var skipped: [AuditEvent] = []
    private(set) var failures: [ReportFailure] = []
    private(set) var overridesSet = 0
    private(set) var drift: [TimelineMark] = []
    private(set) var skippedMarks: [TimelineMark] = []

    init(since: Date, until: Date) {
        self.since = since
        self.until = until
    }

    /// The kinds `add` looks at: what a report asks its store for.
    static let kinds: [AuditKind] = [
        .pauseOutcome, .resumeOutcome, .jobFailed, .drift, .error, .skipped, .overrideSet, .overrideCleared,
    ]

    mutating func add(_ stored: AuditEvent) {
        let event = stored.event
        pauses.add(event)
        switch event.kind {
        case .overrideSet, .overrideCleared: overrideChanges.append(stored)
        case .skipped: skipped.append(stored)
        default: break
        }
        guard event.at >= since && event.at < until else { return }
        if PeriodReport.isFailure(stored) { failures.append(ReportFailure(stored)) }
        switch event.kind {
        case .overrideSet: overridesSet += 1
        case .drift:
            let text = [event.detail, event.reason].compactMap { $0 }.joined(separator: ": ")
            drift.append(TimelineMark(at: event.at, text: text))
        case .skipped:
            skippedMarks.append(
                TimelineMark(at: event.at, text: "\(event.window ?? "window"): \(event.reason ?? "skipped")"))
        default: break
        }
    }
}
