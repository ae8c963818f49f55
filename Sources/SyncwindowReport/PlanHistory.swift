import Foundation
import SyncwindowAudit
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule

/// The plan as it was: which configuration was in force when, rebuilt from the trail's
/// `configuration` events, so that `report` judges every instant against the windows
/// configured then — not against today's files — and judges nothing before the trail began.
///
/// The trail's life is cut into eras, each from one recorded configuration to the next:
/// - before the trail's first pass nothing is planned (syncwindow was not there to honour it);
/// - a trail with history older than its first `configuration` event (written before
///   syncwindow recorded configurations) judges that history by the first one recorded;
/// - a trail with none at all judges its whole life by the current configuration;
/// - after the last recorded configuration, that one stays in force (the files may have
///   changed since, but no pass has run with them).
public struct PlanHistory: Sendable {
    /// Where an era's plan comes from.
    public enum Source: String, Sendable, Equatable {
        /// A `configuration` event recorded by the pass that began the era.
        case recorded
        /// Before the first recorded configuration: the first one stands in for it.
        case firstRecorded = "first_recorded"
        /// No usable record: the configuration files as they are now.
        case current
    }

    /// A stretch of time with one configuration in force.
    public struct Era: Sendable {
        public var from: Date
        /// Exclusive; nil while it is still in force.
        public var until: Date?
        public var configSHA256: String
        public var pairs: Set<String>
        public var schedule: Schedule
        public var source: Source

        func contains(_ instant: Date) -> Bool { instant >= from && until.map { instant < $0 } ?? true }
    }

    /// Oldest first, back to back, from the trail's first pass.
    public var eras: [Era]
    /// When the trail's first pass ran; nil for a trail with no pass yet.
    public var trailBegan: Date?
    /// What a reader of the report should know about where the plan came from, and when it applies.
    public var notes: [Note]

    /// A remark about the plan over [from, until).
    public struct Note: Sendable, Equatable {
        public var from: Date
        /// Exclusive; nil: to this day.
        public var until: Date?
        public var text: String

        /// Whether it concerns some instant of [since, until).
        public func overlaps(since: Date, until end: Date) -> Bool { from < end && (until.map { $0 > since } ?? true) }
    }

    public init(eras: [Era], trailBegan: Date?, notes: [Note] = []) {
        self.eras = eras
        self.trailBegan = trailBegan
        self.notes = notes
    }

    /// The plan over the trail up to `until`. Reads the `pass_started` and `configuration`
    /// events only (a report's cost, not a pass's: no index serves these pair-less kinds).
    public static func load(from audit: any AuditStoring, current: SyncwindowConfiguration, until: Date)
        async throws -> PlanHistory
    {
        var events = Events()
        try await audit.forEachEvent(AuditQuery(until: until, kinds: kinds)) { events.add($0) }
        return build(events: events.events, current: current)
    }

    /// The kinds a plan is built from.
    public static let kinds: [AuditKind] = [.passStarted, .configuration]

    /// What `build` needs of a trail's `pass_started` and `configuration` events, taken one at a
    /// time: every configuration, and the earliest pass only (a year's trail holds thousands).
    public struct Events: Sendable {
        public private(set) var events: [AuditEvent] = []
        private var earliestPass: Int?

        public init() {}

        public mutating func add(_ stored: AuditEvent) {
            switch stored.event.kind {
            case .configuration: events.append(stored)
            case .passStarted:
                if let earliestPass {
                    if stored.event.at < events[earliestPass].event.at { events[earliestPass] = stored }
                } else {
                    earliestPass = events.count
                    events.append(stored)
                }
            default: break
            }
        }
    }

    /// The plan from a trail's `pass_started` and `configuration` events (any others are ignored). Pure.
    public static func build(events: [AuditEvent], current: SyncwindowConfiguration) -> PlanHistory {
        let passes = events.filter { $0.event.kind == .passStarted || $0.event.kind == .configuration }
        guard let began = passes.map(\.event.at).min() else { return PlanHistory(eras: [], trailBegan: nil) }
        let currentEra = Era(
            from: began, until: nil, configSHA256: current.contentHash, pairs: Set(current.pairs.map(\.name)),
            schedule: Schedule(windows: current.windows), source: .current)
        // In `at` order (a rehearsal's `--at` may go back in time); ties in trail order.
        let records = passes.filter { $0.event.kind == .configuration }
            .sorted { ($0.event.at, $0.id) < ($1.event.at, $1.id) }
        guard !records.isEmpty else {
            return PlanHistory(
                eras: [currentEra], trailBegan: began,
                notes: [
                    Note(
                        from: began, until: nil,
                        text: "the trail records no configuration (it predates configuration records): windows are "
                            + "judged against the current configuration (sha256=\(current.contentHash)) from the "
                            + "trail's first pass at \(RFC3339.format(began, in: .gmt))")
                ])
        }
        var notes: [Note] = []
        var eras: [Era] = []
        for (index, stored) in records.enumerated() {
            var era: Era
            do {
                let snapshot = try ConfigurationSnapshot.parse(stored.event.detail ?? "")
                era = Era(
                    from: stored.event.at, until: nil, configSHA256: snapshot.configSHA256, pairs: Set(snapshot.pairs),
                    schedule: try snapshot.schedule(), source: .recorded)
            } catch {
                era = currentEra
                era.from = stored.event.at
                let next = records.dropFirst(index + 1).first?.event.at
                notes.append(
                    Note(
                        from: era.from, until: next,
                        text: "the configuration recorded at \(RFC3339.format(era.from, in: .gmt)) (event "
                            + "\(stored.id)) cannot be read (\(error)): its time is judged against the current "
                            + "configuration"))
            }
            if index == 0 && began < era.from {
                var before = era
                before.from = began
                before.until = era.from
                if before.source == .recorded { before.source = .firstRecorded }
                eras.append(before)
                notes.append(
                    Note(
                        from: began, until: era.from,
                        text:
                            "the trail from \(RFC3339.format(began, in: .gmt)) to \(RFC3339.format(era.from, in: .gmt)) "
                            + "predates configuration records: it is judged against the first configuration recorded "
                            + "(sha256=\(era.configSHA256))"))
            }
            if var last = eras.popLast() {
                last.until = era.from
                // A second record of the same configuration (a refresh) does not start a new era.
                if last.configSHA256 == era.configSHA256 && last.source == era.source {
                    last.until = nil
                    eras.append(last)
                    continue
                }
                eras.append(last)
            }
            eras.append(era)
        }
        return PlanHistory(
            eras: eras.filter { era in era.until.map { $0 > era.from } ?? true }, trailBegan: began, notes: notes)
    }
}

extension PlanHistory {
    /// The eras overlapping [since, until) whose configuration names `pair`.
    func eras(forPair pair: String, since: Date, until: Date) -> [Era] {
        eras.filter { $0.pairs.contains(pair) && $0.from < until && ($0.until.map { $0 > since } ?? true) }
    }

    /// Per era, which of its windows `pair` has (by position), or nil where the era's configuration does not
    /// name it: two pairs with the same answer have the same planned, open and suppressed occurrences.
    func windowKey(forPair pair: String) -> [[Int]?] {
        eras.map { era in
            era.pairs.contains(pair)
                ? era.schedule.windows.indices.filter { era.schedule.windows[$0].pairs.includes(pair) } : nil
        }
    }

    /// When `pair`'s windows are first judged: the start of the first era naming it.
    public func plannedFrom(pair: String) -> Date? {
        eras.first { $0.pairs.contains(pair) }?.from
    }

    /// Occurrences for `pair` starting in [since, until) that were planned: each one of a
    /// configuration that names the pair and was in force at some instant the occurrence was
    /// open (one already open when the trail began, or when its window was added, counts —
    /// the pass then could still honour it). A window whose occurrence spans a change of
    /// configuration counts once, as the configuration in force when it opened had it.
    /// Sorted by start, then window.
    public func plannedOccurrences(forPair pair: String, since: Date, until: Date) -> [Occurrence] {
        var seen: Set<String> = []
        var result: [Occurrence] = []
        for era in eras(forPair: pair, since: since, until: until) {
            let end = min(until, era.until ?? until)
            for occurrence in era.schedule.occurrences(
                forPair: pair, startingFrom: max(since, era.from.addingTimeInterval(-Self.longestWindow)), before: end)
            where occurrence.start >= since && occurrence.end > era.from
                && seen.insert("\(occurrence.window) \(occurrence.start.timeIntervalSince1970)").inserted
            {
                result.append(occurrence)
            }
        }
        return result.sorted { ($0.start, $0.window, $0.end) < ($1.start, $1.window, $1.end) }
    }

    /// When a window of `pair` was open by the configuration in force at the time, within
    /// [since, until), in start order (may overlap).
    public func openIntervals(forPair pair: String, since: Date, until: Date) -> [DateInterval] {
        var result: [DateInterval] = []
        for era in eras(forPair: pair, since: since, until: until) {
            let from = max(since, era.from)
            let to = min(until, era.until ?? until)
            guard from < to else { continue }
            for occurrence in era.schedule.occurrences(
                forPair: pair, startingFrom: from.addingTimeInterval(-Self.longestWindow), before: to)
            {
                let start = max(occurrence.start, from)
                let end = min(occurrence.end, to)
                if start < end { result.append(DateInterval(start: start, end: end)) }
            }
        }
        return result.sorted { $0.start < $1.start }
    }

    /// Occurrences starting in [since, until) that a window's cron alone would open but its
    /// `enabled`, `except` or active range suppressed, as configured at the time.
    public func suppressedOccurrences(forPair pair: String, since: Date, until: Date) -> [SuppressedOccurrence] {
        var result: [SuppressedOccurrence] = []
        for era in eras(forPair: pair, since: since, until: until) {
            let from = max(since, era.from)
            let to = min(until, era.until ?? until)
            guard from < to else { continue }
            result += era.schedule.suppressedOccurrences(forPair: pair, startingFrom: from, before: to)
        }
        return result.sorted { $0.occurrence.start < $1.occurrence.start }
    }

    /// The eras in force at some instant of [since, until), clipped to it.
    public func eras(overlapping since: Date, _ until: Date) -> [Era] {
        eras.compactMap { era in
            guard era.from < until, era.until.map({ $0 > since }) ?? true else { return nil }
            var clipped = era
            clipped.from = max(since, era.from)
            clipped.until = min(until, era.until ?? until)
            return clipped
        }
    }

    /// What a reader of a report over [since, until) should know about its plan.
    public func periodNotes(since: Date, until: Date) -> [String] {
        guard let trailBegan else {
            return ["the trail records no pass yet: no window is counted as planned"]
        }
        var result: [String] = []
        if trailBegan > since {
            result.append(
                "windows before the trail's first pass at \(RFC3339.format(trailBegan, in: .gmt)) are not counted: "
                    + "syncwindow was not running then")
        }
        result += notes.filter { $0.overlaps(since: since, until: until) }.map(\.text)
        let changes = eras.dropFirst().filter { $0.from > since && $0.from < until }
        for era in changes {
            result.append(
                "configuration changed at \(RFC3339.format(era.from, in: .gmt)) (sha256=\(era.configSHA256)): "
                    + "windows from then on are judged against it")
        }
        return result
    }

    /// A window is at most 24 hours long: one that opened this long before an instant may still be open at it.
    static let longestWindow: TimeInterval = 86_401
}
