import Foundation
import SyncwindowCivilTime

/// Walks the starts of a cron expression in a zone, one by one, reproducing cronsim 2.8's
/// `CronSim.__next__` step for step — including its daylight-saving behaviour:
///
/// - Fixed-time expressions (neither minute nor hour starts with `*`) are matched on the
///   naive wall clock; a match in a spring-forward gap moves minute by minute to the first
///   real wall time after the gap (so it opens at the transition instant, once); a match in
///   a fall-back overlap opens at its first occurrence only.
/// - Other expressions step through real instants (UTC) and match the local wall-clock
///   fields, with cronsim's quirks where it resets to midnight or to the top of an hour that
///   does not exist (e.g. in America/Havana, where midnight is skipped).
///
/// Where cronsim steps one minute or hour at a time, this jumps straight to the next value
/// of the field whenever no offset change lies in between, and steps literally otherwise.
struct CronIterator {
    let spec: CronSpec
    let table: ZoneTable
    let naive: Bool
    /// Results must come after this: the start instant, then the last result.
    private var floor: Double
    var wall: Int64
    var fold: Bool
    private var segmentHint = 0
    private var maskKey = -1
    private var mask: UInt64 = 0
    /// The civil date of the last day converted: the steps towards one start mostly stay on one day.
    private var dateDay = Int64.min
    private var date = (year: 0, month: 0, day: 0)
    /// The first wall time beyond cronsim's 50 years from `horizonYear`.
    private var horizonYear = Int.min
    private var horizon: Int64 = 0

    init(spec: CronSpec, table: ZoneTable, after instant: Date) {
        self.spec = spec
        self.table = table
        self.naive = spec.fixedTime
        self.floor = instant.timeIntervalSince1970
        let t = Int64(instant.timeIntervalSince1970.rounded(.down))
        let local = table.wall(utc: t)
        self.wall = local.wall
        self.fold = local.fold
        self.segmentHint = table.segment(containing: t)
    }

    /// Whether `next()` may take ``sameDayShortcut()``; off only in tests, which compare the two ways.
    var usesSameDayShortcut = true

    /// The next start (UTC seconds), or nil when none comes within cronsim's 50 years.
    mutating func next() -> Int64? {
        while true {
            if !(usesSameDayShortcut && sameDayShortcut()) {
                tick(1)
                switch advance() {
                case .beyondHorizon:
                    return nil
                case .cycling:
                    if let found = scanRealInstants(after: floor) {
                        floor = Double(found)
                        return found
                    }
                    continue
                case .matched:
                    break
                }
            }
            let result: Int64
            if naive {
                while isImaginary(wall) { wall += 60 }
                result = utc(wall: wall, fold: false)
                // Started in the second pass of an overlap: cronsim answers with the first pass.
                if Double(result) <= floor { continue }
            } else {
                result = utc(wall: wall, fold: fold)
                if Double(result) <= floor {
                    // Where an overlap does not start on the hour (Pacific/Chatham's 03:45 -> 02:45),
                    // cronsim's reset to the top of the hour lands before the overlap and it revisits
                    // the same minutes forever. Carry on from where we were, on real instants.
                    if let found = scanRealInstants(after: floor) {
                        floor = Double(found)
                        return found
                    }
                    continue
                }
            }
            floor = Double(result)
            return result
        }
    }

    /// `tick(1)` and `advance()` in one step, where their outcome is plain: the next match is later on the day of
    /// `wall + 1`, whose month and day match, and (reading the cron on real instants) every instant the steps
    /// pass through, from the top of the current hour to the match, lies in one stretch of the zone's offset
    /// where each wall time occurs once. Then cronsim's one-second tick and field-by-field steps land on the
    /// next (hour, minute) of the masks at second 0, which this finds from the masks directly, leaving the same
    /// `wall` and `fold`. False, with nothing changed, where the steps are needed (a change of day, month or
    /// offset on the way, or the second pass of an overlap).
    @inline(__always)
    private mutating func sameDayShortcut() -> Bool {
        let next = wall + 1
        let f = fields(next)
        guard spec.months & (UInt64(1) << UInt64(f.month)) != 0 else { return false }
        let key = f.year * 16 + f.month
        if key != maskKey {
            mask = spec.dayMask(year: f.year, month: f.month)
            maskKey = key
        }
        guard mask & (UInt64(1) << UInt64(f.day)) != 0 else { return false }
        // The first (hour, minute, 0) at or after `next`.
        let firstMinute = f.second == 0 ? f.minute : f.minute + 1
        let laterMinutes = firstMinute < 60 ? spec.minutes >> UInt64(firstMinute) : 0
        let target: Int
        if spec.hours & (UInt64(1) << UInt64(f.hour)) != 0 && laterMinutes != 0 {
            target = f.hour * 3600 + (firstMinute + laterMinutes.trailingZeroBitCount) * 60
        } else {
            let laterHours = spec.hours >> UInt64(f.hour + 1)
            guard laterHours != 0 else { return false }
            target = (f.hour + 1 + laterHours.trailingZeroBitCount) * 3600 + spec.minutes.trailingZeroBitCount * 60
        }
        let candidate = f.days * 86_400 + Int64(target)
        if !naive {
            let low = table.unambiguousLow[segmentHint]
            let hourStart = next - Int64(f.minute * 60 + f.second)
            guard !fold, wall >= low, hourStart >= low, candidate < table.unambiguousHigh[segmentHint] else {
                return false
            }
        }
        wall = candidate
        return true
    }

    /// The first whole-minute instant after `floor`, within four days, whose local fields match;
    /// leaves the state there (or four days on when there is none).
    private mutating func scanRealInstants(after floor: Double) -> Int64? {
        var u = Int64((floor / 60).rounded(.down)) * 60 + 60
        let limit = u + 4 * 86_400
        while u < limit {
            setUTC(u)
            let f = WallFields(wall)
            if f.second == 0, spec.minutes & (UInt64(1) << UInt64(f.minute)) != 0,
                spec.hours & (UInt64(1) << UInt64(f.hour)) != 0,
                spec.months & (UInt64(1) << UInt64(f.month)) != 0,
                spec.dayMask(year: f.year, month: f.month) & (UInt64(1) << UInt64(f.day)) != 0
            {
                return u
            }
            u += 60
        }
        setUTC(limit)
        self.floor = Double(limit - 1)
        return nil
    }

    // MARK: - Zone conversions with a segment hint

    @inline(__always)
    private mutating func utc(wall: Int64, fold: Bool) -> Int64 {
        let i = segmentHint
        if wall >= table.unambiguousLow[i] && wall < table.unambiguousHigh[i] {
            return wall - table.offsets[i]
        }
        let result = table.utc(wall: wall, fold: fold)
        segmentHint = table.segment(containing: result)
        return result
    }

    /// zoneinfo's "imaginary" (in a spring-forward gap), answered from the hint when it can.
    @inline(__always)
    private mutating func isImaginary(_ wall: Int64) -> Bool {
        let i = segmentHint
        if wall >= table.unambiguousLow[i] && wall < table.unambiguousHigh[i] { return false }
        let result = table.isImaginary(wall: wall)
        segmentHint = table.segment(containing: table.utc(wall: wall, fold: false))
        return result
    }

    @inline(__always)
    private mutating func setUTC(_ u: Int64) {
        let bounds = table.bounds(ofSegment: segmentHint)
        if u < bounds.start || u >= bounds.end {
            segmentHint = table.segment(containing: u)
        }
        let local = table.wall(utc: u, segment: segmentHint)
        wall = local.wall
        fold = local.fold
    }

    @inline(__always)
    private mutating func tick(_ seconds: Int64) {
        if naive {
            wall += seconds
        } else {
            setUTC(utc(wall: wall, fold: fold) + seconds)
        }
    }

    // MARK: - cronsim's advance()

    enum Advance {
        case matched
        /// Nothing within cronsim's 50 years.
        case beyondHorizon
        /// cronsim's steps go round in circles here and it never returns. Where a fall-back lands
        /// on the previous day — America/St_Johns until 2011 went from Sunday 00:01 back to Saturday
        /// 23:01 — `2 * * * 0` steps into Sunday, ticks two real minutes to Saturday 23:02, and
        /// returns to Sunday 00:00 for ever (found by fuzzing). The caller scans real instants instead.
        case cycling
    }

    private mutating func advance() -> Advance {
        // cronsim gives up past 50 years on: a wall time in year startYear + 51 or later.
        let year = fields(wall).year
        if year != horizonYear {
            horizonYear = year
            horizon = CivilTime.days(year: year + 51, month: 1, day: 1) * 86_400
        }
        // Brent's cycle detection: the steps depend on (wall, fold) alone, so meeting a saved state
        // again means a cycle. A state is saved at each power of two steps.
        var saved: (wall: Int64, fold: Bool)?
        var steps = 0
        while true {
            if let saved, saved.wall == wall, saved.fold == fold { return .cycling }
            steps += 1
            if steps & (steps - 1) == 0 { saved = (wall, fold) }
            // One civil-date conversion per step where the month already matches (the common case).
            let fields = advanceMonth(fields(wall))
            if wall >= horizon { return .beyondHorizon }
            if advanceDay(fields) { continue }
            if advanceHour() { continue }
            if advanceMinute() { continue }
            if advanceSecond() { continue }
            return .matched
        }
    }

    /// Moves to the first of the next matching month unless this one matches; the wall fields after.
    private mutating func advanceMonth(_ f: WallFields) -> WallFields {
        if spec.months & (UInt64(1) << UInt64(f.month)) != 0 { return f }
        var year = f.year
        var month = f.month
        repeat {
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        } while spec.months & (UInt64(1) << UInt64(month)) == 0
        wall = CivilTime.days(year: year, month: month, day: 1) * 86_400
        fold = false
        return fields(wall)
    }

    /// `WallFields(wall)`, with the calendar conversion skipped while the day stays the same.
    @inline(__always)
    private mutating func fields(_ wall: Int64) -> WallFields {
        let days = WallMath.day(wall)
        if days != dateDay {
            date = CivilTime.date(days: days)
            dateDay = days
        }
        return WallFields(wall: wall, days: days, date: date)
    }

    /// `f`: the fields of `wall`.
    private mutating func advanceDay(_ f: WallFields) -> Bool {
        let key = f.year * 16 + f.month
        if key != maskKey {
            mask = spec.dayMask(year: f.year, month: f.month)
            maskKey = key
        }
        if mask & (UInt64(1) << UInt64(f.day)) != 0 { return false }
        let later = mask >> UInt64(f.day + 1)
        if later != 0 {
            wall = (f.days - Int64(f.day) + Int64(f.day + 1 + later.trailingZeroBitCount)) * 86_400
        } else {
            let length = CivilTime.daysInMonth(year: f.year, month: f.month)
            wall = (f.days - Int64(f.day) + Int64(length) + 1) * 86_400
        }
        fold = false
        return true
    }

    private mutating func advanceHour() -> Bool {
        let sod = WallMath.secondOfDay(wall)
        let hour = Int(sod / 3600)
        if spec.hours & (UInt64(1) << UInt64(hour)) != 0 { return false }
        wall -= sod % 3600  // replace(minute=0, second=0), fold kept
        stepUntil(step: 3600, mask: spec.hours, modulus: 24)
        return true
    }

    private mutating func advanceMinute() -> Bool {
        let sod = WallMath.secondOfDay(wall)
        let minute = Int((sod / 60) % 60)
        if spec.minutes & (UInt64(1) << UInt64(minute)) != 0 { return false }
        wall -= sod % 60  // replace(second=0)
        if let target = spec.singleMinute {
            tick(Int64((target - minute + 60) % 60) * 60)
        }
        let now = Int((WallMath.secondOfDay(wall) / 60) % 60)
        if spec.minutes & (UInt64(1) << UInt64(now)) != 0 { return true }
        stepUntil(step: 60, mask: spec.minutes, modulus: 60)
        return true
    }

    private mutating func advanceSecond() -> Bool {
        let second = Int(WallMath.secondOfMinute(wall))
        if second == 0 { return false }
        tick(Int64(60 - second))
        while WallMath.secondOfMinute(wall) != 0 {
            tick(1)
        }
        return true
    }

    /// The value of the hour (step 3600) or minute (step 60) field of a wall time.
    @inline(__always)
    private static func value(_ wall: Int64, step: Int64, modulus: Int) -> Int {
        Int((WallMath.secondOfDay(wall) / step) % Int64(modulus))
    }

    /// Next set bit of `mask` above `value`, or `modulus` when none below it.
    @inline(__always)
    private static func nextValue(after value: Int, mask: UInt64, modulus: Int) -> Int {
        let higher = mask >> UInt64(value + 1)
        if higher == 0 { return modulus }
        return min(value + 1 + higher.trailingZeroBitCount, modulus)
    }

    /// cronsim's `while field not in mask: tick(step); if field == 0: break`, entered with
    /// the current value not in `mask`.
    private mutating func stepUntil(step: Int64, mask: UInt64, modulus: Int) {
        if naive {
            let current = Self.value(wall, step: step, modulus: modulus)
            let target = Self.nextValue(after: current, mask: mask, modulus: modulus)
            wall += Int64(target - current) * step
            return
        }
        var u = utc(wall: wall, fold: fold)
        while true {
            u += step
            setUTC(u)
            let value = Self.value(wall, step: step, modulus: modulus)
            if value == 0 || mask & (UInt64(1) << UInt64(value)) != 0 { return }
            let target = Self.nextValue(after: value, mask: mask, modulus: modulus)
            let jumped = u + Int64(target - value) * step
            if jumped < table.bounds(ofSegment: segmentHint).end {
                setUTC(jumped)
                return
            }
        }
    }
}
