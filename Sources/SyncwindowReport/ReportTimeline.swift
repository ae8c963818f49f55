import Foundation
import SyncwindowReconciler
import SyncwindowSchedule

/// One pair's timeline as inline SVG: planned windows against the intervals syncwindow held
/// the pair paused, operator holds and point events, on a time axis in the reader's zone.
///
/// Every mark has a class (`mark window`, `mark pause`, `mark outside`, …) and a `<title>`
/// with its exact instants, in UTC and in the axis zone. Colours are Okabe–Ito and every
/// kind also differs by pattern or shape, so it reads in greyscale and to colour-blind eyes.
/// Marks are at least 2 px wide; a lane with more marks than the plot has room for is
/// binned (one mark per bin, the worst verdict wins, the title counts what it holds).
struct ReportTimeline {
    let since: Date
    let until: Date
    let zone: TimeZone
    let local: ReportInstants
    /// The axis zone is called UTC or GMT.
    private let namedUTC: Bool

    init(since: Date, until: Date, zone: TimeZone) {
        self.since = since
        self.until = until
        self.zone = zone
        local = ReportInstants(zone: zone)
        namedUTC = zone.identifier == "UTC" || zone.identifier == "GMT"
    }

    static let width = 1180.0
    static let labelWidth = 130.0
    static let laneHeight = 26.0
    static let lanes = ["Planned windows", "Paused by syncwindow", "Overrides", "Events"]
    static let axisHeight = 34.0
    /// More marks than this in a lane and it is binned.
    static let maxMarks = 400

    var plotWidth: Double { Self.width - Self.labelWidth - 10 }

    func x(_ date: Date) -> Double {
        let span = until.timeIntervalSince(since)
        let offset = min(max(date.timeIntervalSince(since), 0), span)
        return Self.labelWidth + offset / span * plotWidth
    }

    /// An instant for a title: UTC, and the axis zone when it differs.
    func instant(_ date: Date) -> String {
        let utc = ReportInstants.utc.text(date)
        if namedUTC && zone.secondsFromGMT(for: date) == 0 { return utc }
        return "\(utc) (\(local.text(date)))"
    }

    func span(_ start: Date, _ end: Date) -> String { "\(instant(start)) to \(instant(end))" }

    func svg(_ report: PairReport) -> String {
        let height = Double(Self.lanes.count) * Self.laneHeight + Self.axisHeight + 6
        var out = """
            <svg class="timeline" data-pair="\(ReportHTML.escape(report.pair))" role="img" \
            aria-label="timeline of \(ReportHTML.escape(report.pair))" viewBox="0 0 \(Self.width) \(height)" \
            width="\(Self.width)" height="\(height)" xmlns="http://www.w3.org/2000/svg">

            """
        for (index, name) in Self.lanes.enumerated() {
            let y = Double(index) * Self.laneHeight
            out +=
                "<rect class=\"lane\" x=\"\(Self.labelWidth)\" y=\"\(y + 2)\" width=\"\(plotWidth)\" height=\"\(Self.laneHeight - 4)\"/>"
            out +=
                "<text class=\"lane-label\" x=\"\(Self.labelWidth - 8)\" y=\"\(y + Self.laneHeight / 2 + 4)\" text-anchor=\"end\">\(name)</text>\n"
        }
        out += axis(top: Double(Self.lanes.count) * Self.laneHeight)
        out += plannedLane(report.timeline)
        out += pausedLane(report)
        out += overrideLane(report.overrideHolds)
        out += eventLane(report)
        return out + "</svg>\n"
    }

    // MARK: Lanes

    private struct Bar {
        var start: Date
        var end: Date
        var classes: String
        var title: String
        /// Which bar's look a bin takes: the highest.
        var severity: Int
        var extra = ""
    }

    private func bars(_ bars: [Bar], lane: Int, inset: Double = 4) -> String {
        // Appended piece by piece, the lane's constants written once: a year's page has a few hundred
        // thousand marks, and an interpolated line is a string of its own, copied again into `out`.
        let y = "\" y=\"\(Double(lane) * Self.laneHeight + inset)\" width=\""
        let height = "\" height=\"\(Self.laneHeight - 2 * inset)\"><title>"
        var out = ""
        for bar in binned(bars) {
            let left = x(bar.start)
            let width = max(2, x(bar.end) - left)
            out += "<rect class=\""
            out += bar.classes
            out += "\""
            out += bar.extra
            out += " x=\""
            out += fmt(left)
            out += y
            out += fmt(width)
            out += height
            out += ReportHTML.escape(bar.title)
            out += "</title></rect>\n"
        }
        return out
    }

    /// Bars as drawn: as they are, or one per bin when there are too many to see apart.
    private func binned(_ bars: [Bar]) -> [Bar] {
        guard bars.count > Self.maxMarks else { return bars }
        let binSeconds = Self.binLength(for: until.timeIntervalSince(since))
        var bins: [Int: [Bar]] = [:]
        for bar in bars { bins[Int(bar.start.timeIntervalSince(since) / binSeconds), default: []].append(bar) }
        return bins.keys.sorted().map { key in
            let members = bins[key]!
            let worst = members.max { $0.severity < $1.severity }!
            let start = members.map(\.start).min()!, end = members.map(\.end).max()!
            var bar = worst
            bar.start = start
            bar.end = max(end, start.addingTimeInterval(binSeconds * 0.8))
            bar.classes += " binned"
            bar.title =
                "\(members.count) marks from \(span(start, end)); worst: \(worst.title)"
            return bar
        }
    }

    /// A whole hour, 6 hours, day or week, so that a long period has at most about 400 bins.
    static func binLength(for period: TimeInterval) -> TimeInterval {
        for candidate: TimeInterval in [3600, 6 * 3600, 86_400, 7 * 86_400] where period / candidate <= Double(maxMarks)
        {
            return candidate
        }
        return 30 * 86_400
    }

    private func plannedLane(_ timeline: PairTimeline) -> String {
        var list: [Bar] = timeline.planned.map { planned in
            let occurrence = planned.occurrence
            var title =
                "\(occurrence.window): planned \(span(occurrence.start, occurrence.end)) — \(planned.verdict.rawValue)"
            if let latency = planned.latencySeconds { title += ", paused \(Int(latency.rounded()))s after it opened" }
            if let note = planned.note { title += ": \(note)" }
            let severity = [.honoured: 0, .pending: 1, .skipped: 2, .missed: 3][planned.verdict] ?? 0
            return Bar(
                start: occurrence.start, end: occurrence.end, classes: "mark window \(planned.verdict.rawValue)",
                title: title, severity: severity, extra: " data-verdict=\"\(planned.verdict.rawValue)\"")
        }
        list += timeline.suppressed.map { suppressed in
            Bar(
                start: suppressed.occurrence.start, end: suppressed.occurrence.end, classes: "mark exception",
                title:
                    "\(suppressed.occurrence.window): would open \(span(suppressed.occurrence.start, suppressed.occurrence.end)) — not planned: \(suppressed.reason)",
                severity: -1)
        }
        let windows = bars(list.filter { $0.severity >= 0 }, lane: 0)
        return windows + bars(list.filter { $0.severity < 0 }, lane: 0)
    }

    private func pausedLane(_ report: PairReport) -> String {
        let paused = report.timeline.paused.map { interval in
            Bar(
                start: interval.start, end: interval.end, classes: "mark pause",
                title:
                    "paused \(span(interval.start, interval.end)) (\(DurationText.format(interval.duration.rounded())))",
                severity: 0)
        }
        let outside = report.pausedOutsideWindows.map { interval in
            Bar(
                start: interval.start, end: interval.end, classes: "mark outside",
                title:
                    "paused OUTSIDE any window \(span(interval.start, interval.end)) (\(DurationText.format(interval.duration.rounded())))",
                severity: 1)
        }
        return bars(paused, lane: 1) + bars(outside, lane: 1, inset: 8)
    }

    private func overrideLane(_ holds: [OverrideHold]) -> String {
        bars(
            holds.map { hold in
                Bar(
                    start: max(hold.from, since), end: min(hold.ended, until),
                    classes: "mark override \(hold.state == .paused ? "hold-paused" : "hold-syncing")",
                    title:
                        "override by \(hold.actor), hold \(hold.state.rawValue) \(span(hold.from, hold.ended)) (set until \(instant(hold.until))): \(hold.reason)",
                    severity: 0)
            }, lane: 2)
    }

    private func eventLane(_ report: PairReport) -> String {
        let middle = 3 * Self.laneHeight + Self.laneHeight / 2
        var out = ""
        for mark in report.timeline.skippedEvents {
            let cx = x(mark.at)
            out +=
                "<circle class=\"mark skip-event\" cx=\"\(fmt(cx))\" cy=\"\(middle)\" r=\"4.5\"><title>\(ReportHTML.escape("skipped at \(instant(mark.at)): \(mark.text)"))</title></circle>\n"
        }
        for mark in report.timeline.drift {
            let cx = x(mark.at)
            out +=
                "<path class=\"mark drift\" d=\"M\(fmt(cx)) \(middle - 7) l6 7 l-6 7 l-6 -7 z\"><title>\(ReportHTML.escape("drift at \(instant(mark.at)): \(mark.text)"))</title></path>\n"
        }
        for failure in report.failureList {
            let cx = x(failure.at)
            let side = failure.side.map { " on \($0)" } ?? ""
            let job = failure.jobID.map { ", job \($0)" } ?? ""
            out +=
                "<path class=\"mark failure\" d=\"M\(fmt(cx - 5)) \(middle - 5) l10 10 m0 -10 l-10 10\"><title>\(ReportHTML.escape("\(failure.kind)\(side) at \(instant(failure.at))\(job): \(failure.detail)"))</title></path>\n"
        }
        return out
    }

    // MARK: Axis

    private func axis(top: Double) -> String {
        var out =
            "<line class=\"axis\" x1=\"\(Self.labelWidth)\" y1=\"\(top + 2)\" x2=\"\(Self.labelWidth + plotWidth)\" y2=\"\(top + 2)\"/>\n"
        for (tick, label) in ticks() {
            let tx = fmt(x(tick))
            out += "<line class=\"grid\" x1=\"\(tx)\" y1=\"0\" x2=\"\(tx)\" y2=\"\(top + 6)\"/>"
            out +=
                "<text class=\"tick\" x=\"\(tx)\" y=\"\(top + 18)\" text-anchor=\"middle\"><title>\(instant(tick))</title>\(ReportHTML.escape(label))</text>\n"
        }
        return out
    }

    /// Tick instants and labels in the axis zone: about 6 to 14, at round local times, on the zone tables of the
    /// schedule (not Foundation's `Calendar`): a tick at each local midnight (the day's first instant where
    /// midnight falls in a gap), so a 23- or 25-hour day is drawn as long as it was; an hour the clocks skip has
    /// no tick, one they repeat has two.
    func ticks() -> [(Date, String)] {
        let period = until.timeIntervalSince(since)
        let hourSteps = [1, 2, 3, 6, 12]
        let daySteps = [1, 2, 7, 14]
        let first = LocalDate(containing: since, in: zone)
        var ticks: [(Date, String)] = []
        if let step = hourSteps.first(where: { period / Double($0 * 3600) <= 14 }) {
            var day = first
            while case let start = day.startInstant(in: zone), start < until {
                ticks.append((start, Self.label(day)))
                for hour in stride(from: step, to: 24, by: step) {
                    let text = hour < 10 ? "0\(hour):00" : "\(hour):00"
                    ticks += day.instants(atHour: hour, in: zone).map { ($0, text) }
                }
                day = day.adding(days: 1)
            }
        } else if let step = daySteps.first(where: { period / Double($0 * 86_400) <= 14 }) {
            var day = first
            // Weeks start on Monday.
            if step == 7 || step == 14 { day = day.adding(days: -((day.weekday + 6) % 7)) }
            while case let start = day.startInstant(in: zone), start < until {
                ticks.append((start, Self.label(day)))
                day = day.adding(days: step)
            }
        } else {
            let step = period / (30 * 86_400) <= 14 ? 1 : 3
            var (year, month) = (first.year, first.month)
            while case let start = LocalDate(year: year, month: month, day: 1).startInstant(in: zone), start < until {
                ticks.append((start, "\(Self.months[month - 1]) \(year)"))
                (year, month) = (year + (month - 1 + step) / 12, (month - 1 + step) % 12 + 1)
            }
        }
        // One tick per instant (the first label wins: a day's start over an hour that coincides with it).
        var seen = Set<Date>()
        return ticks.filter { $0.0 >= since && $0.0 < until && seen.insert($0.0).inserted }.sorted { $0.0 < $1.0 }
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Mon 7 Dec`.
    private static func label(_ day: LocalDate) -> String {
        "\(weekdays[day.weekday]) \(day.day) \(months[day.month - 1])"
    }

    /// `String(format: "%.1f", value)`, without the formatter (a year's page has a few hundred thousand marks)
    /// where the answer is certain: not near a tie, where only the exact binary value decides.
    static func fmt(_ value: Double) -> String {
        let tenths = value * 10
        let rounded = tenths.rounded(.toNearestOrEven)
        guard value.sign == .plus, tenths < 1e15, abs(abs(tenths - rounded) - 0.5) > 1e-6 else {
            return String(format: "%.1f", value)
        }
        let whole = Int64(rounded)
        return "\(whole / 10).\(whole % 10)"
    }

    private func fmt(_ value: Double) -> String { Self.fmt(value) }
}
