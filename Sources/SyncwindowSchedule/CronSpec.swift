import SyncwindowCivilTime

/// The compiled fields of a cron expression, parsed exactly as cronsim 2.8 parses them
/// (same accepted syntax, same quirks such as `5/10` meaning "5 to the end of the range by
/// 10" and `*/n` on day-of-week stepping over 0...7), as bit masks for fast matching.
struct CronSpec: Sendable {
    var minutes: UInt64 = 0  // bits 0...59
    var hours: UInt64 = 0  // bits 0...23
    var days: UInt64 = 0  // bits 1...31
    var lastDay = false  // `L`
    var lastWeekdayOfMonth = false  // `LW` (cronsim accepts it)
    var months: UInt64 = 0  // bits 1...12
    var weekdays: UInt8 = 0  // bits 0...6, Sunday = 0 (7 folded in)
    var lastWeekdays: UInt8 = 0  // `5L`: bits 0...6
    var nthWeekdays: [UInt8] = [0, 0, 0, 0, 0]  // `2#2`: index nth-1, bits 0...6
    /// Debian cron: when day-of-month or day-of-week starts with `*`, both must match;
    /// otherwise either may.
    var dayAnd = false
    /// Neither minute nor hour starts with `*`: cronsim then evaluates on the naive wall clock
    /// and fixes up gap/overlap times afterwards (Debian's "fixed-time job" handling).
    var fixedTime = false
    /// The single minute when the minute field has exactly one value (cronsim jumps to it).
    var singleMinute: Int? = nil

    init(fields raw: [String]) throws(CronError) {
        // Parsed as written (so messages quote the user's text); names and L compare upper-cased.
        let fields = raw
        let minute = try Self.parse(Substring(raw[0]), .minute)
        let hour = try Self.parse(Substring(raw[1]), .hour)
        let dom = try Self.parse(Substring(raw[2]), .dayOfMonth)
        let month = try Self.parse(Substring(raw[3]), .month)
        let dow = try Self.parse(Substring(raw[4]), .dayOfWeek)
        minutes = minute.values
        hours = hour.values
        days = dom.values
        lastDay = dom.last
        lastWeekdayOfMonth = dom.lastWeekday
        months = month.values
        weekdays = Self.fold(dow.values)
        lastWeekdays = Self.fold(dow.lastWeekdays)
        nthWeekdays = dow.nth.map(Self.fold)
        dayAnd = fields[2].hasPrefix("*") || fields[4].hasPrefix("*")
        fixedTime = !fields[0].hasPrefix("*") && !fields[1].hasPrefix("*")
        singleMinute = minutes.nonzeroBitCount == 1 ? minutes.trailingZeroBitCount : nil
        try checkCanFire(raw: raw)
    }

    private static func fold(_ bits: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: (bits & 0x7F) | ((bits >> 7) & 1))
    }

    private static func fold(_ bits: UInt8) -> UInt8 {
        (bits & 0x7F) | ((bits >> 7) & 1)
    }

    private static func asciiUppercased(_ text: Substring) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    (scalar.value >= 97 && scalar.value <= 122) ? Unicode.Scalar(scalar.value - 32)! : scalar
                }))
    }

    // MARK: - Matching

    /// Bit `d` set when day `d` of the month matches the day fields.
    func dayMask(year: Int, month: Int) -> UInt64 {
        let length = CivilTime.daysInMonth(year: year, month: month)
        var dom = days & ((UInt64(1) << UInt64(length + 1)) - 2)
        if lastDay { dom |= UInt64(1) << UInt64(length) }
        if lastWeekdayOfMonth {
            let lastDow = CivilTime.weekday(days: CivilTime.days(year: year, month: month, day: length))
            let lw = lastDow == 0 ? length - 2 : lastDow == 6 ? length - 1 : length
            dom |= UInt64(1) << UInt64(lw)
        }
        var dowMatch: UInt64 = 0
        let firstDow = CivilTime.weekday(days: CivilTime.days(year: year, month: month, day: 1))
        for day in 1...length {
            let weekday = (firstDow + day - 1) % 7
            let bit = UInt8(1) << UInt8(weekday)
            if weekdays & bit != 0
                || (lastWeekdays & bit != 0 && day + 7 > length)
                || nthWeekdays[(day - 1) / 7] & bit != 0
            {
                dowMatch |= UInt64(1) << UInt64(day)
            }
        }
        return dayAnd ? dom & dowMatch : dom | dowMatch
    }

    // MARK: - Can it ever fire?

    /// Refuses an expression whose day fields never match in its months: cronsim refuses
    /// `0 0 30 2 *`; this also refuses e.g. `0 0 */20 * 2#5`, which cronsim accepts but never
    /// yields. Checks all 14 kinds of year (leap or not, starting on each weekday).
    private func checkCanFire(raw: [String]) throws(CronError) {
        // Years starting on each weekday, common and leap.
        let years = 2000..<2028  // one 28-year solar cycle: every kind of year
        var domAlone = false
        var domOnly = self
        domOnly.dayAnd = false
        domOnly.weekdays = 0
        domOnly.lastWeekdays = 0
        domOnly.nthWeekdays = [0, 0, 0, 0, 0]
        for year in years {
            for month in 1...12 where months & (UInt64(1) << UInt64(month)) != 0 {
                if dayMask(year: year, month: month) != 0 { return }
                if domOnly.dayMask(year: year, month: month) != 0 { domAlone = true }
            }
        }
        if !domAlone {
            throw CronError(
                field: .dayOfMonth, token: raw[2],
                reason: "never occurs in month \"\(raw[3])\", so the expression can never fire")
        }
        throw CronError(
            field: .dayOfWeek, token: raw[4],
            reason: "never falls on day-of-month \"\(raw[2])\" in month \"\(raw[3])\", so the expression can never fire"
        )
    }

    // MARK: - Parsing (a transcription of cronsim's Field.parse)

    private struct Parsed {
        var values: UInt64 = 0
        var last = false
        var lastWeekday = false
        var lastWeekdays: UInt64 = 0
        var nth: [UInt64] = [0, 0, 0, 0, 0]

        mutating func formUnion(_ other: Parsed) {
            values |= other.values
            last = last || other.last
            lastWeekday = lastWeekday || other.lastWeekday
            lastWeekdays |= other.lastWeekdays
            for i in 0..<5 { nth[i] |= other.nth[i] }
        }

        var isOnlyLast: Bool { last && !lastWeekday && values == 0 }
        var isOnlyLastWeekday: Bool { lastWeekday && !last && values == 0 }
    }

    private static let monthNames = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// `text.contains(String(needle))` as Foundation answers it, read off the bytes when the text is ASCII (where
    /// the answers are the same, and Foundation's search costs more than the rest of a field's parse).
    private static func contains(_ text: Substring, _ needle: UInt8) -> Bool {
        var found = false
        for byte in text.utf8 {
            if byte >= 128 { return text.contains(String(UnicodeScalar(needle))) }
            if byte == needle { found = true }
        }
        return found
    }

    private static func isDigits(_ s: Substring) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value >= 48 && $0.value <= 57 }
    }

    /// A decimal number, saturating instead of overflowing.
    private static func number(_ s: Substring) -> Int {
        var value = 0
        for scalar in s.unicodeScalars {
            value = value > 1_000_000 ? value : value * 10 + Int(scalar.value - 48)
        }
        return value
    }

    private static func bareNumber(_ s: Substring, _ field: CronError.Field, what: String) throws(CronError) -> Int {
        guard isDigits(s) else {
            throw CronError(field: field, token: String(s), reason: "is not a number (\(what))")
        }
        return number(s)
    }

    /// cronsim's Field.int: a name or an in-range number.
    private static func value(_ s: Substring, _ field: CronError.Field) throws(CronError) -> Int {
        if field == .month, let index = monthNames.firstIndex(of: asciiUppercased(s)) { return index + 1 }
        if field == .dayOfWeek, let index = dayNames.firstIndex(of: asciiUppercased(s)) { return index }
        guard isDigits(s) else {
            let hint: String
            switch field {
            case .month: hint = "is not a month number or name (1-12, JAN-DEC)"
            case .dayOfWeek: hint = "is not a weekday number or name (0-7, SUN-SAT)"
            case .dayOfMonth: hint = "is not a day number (1-31) or L"
            default: hint = "is not a number"
            }
            throw CronError(
                field: field, token: String(s).isEmpty ? "" : String(s), reason: s.isEmpty ? "is empty" : hint)
        }
        let v = number(s)
        guard field.range.contains(v) else {
            throw CronError(
                field: field, token: String(s),
                reason: "is out of range \(field.range.lowerBound)-\(field.range.upperBound)")
        }
        return v
    }

    private static func parse(_ s: Substring, _ field: CronError.Field) throws(CronError) -> Parsed {
        var result = Parsed()
        if s == "*" {
            for v in field.range { result.values |= UInt64(1) << UInt64(v) }
            return result
        }
        if Self.contains(s, UInt8(ascii: ",")) {
            for term in s.split(separator: ",", omittingEmptySubsequences: false) {
                if term.isEmpty {
                    throw CronError(field: field, token: String(s), reason: "has an empty list item")
                }
                result.formUnion(try parse(term, field))
            }
            return result
        }
        if field == .dayOfWeek && (Self.contains(s, UInt8(ascii: "L")) || Self.contains(s, UInt8(ascii: "l"))) {
            let value = s.dropLast()
            guard isDigits(value) else {
                throw CronError(
                    field: field, token: String(s),
                    reason: "is not valid; L in day-of-week follows a weekday number, e.g. 5L (last Friday)")
            }
            let dow = try self.value(value, field)
            result.lastWeekdays = UInt64(1) << UInt64(dow)
            return result
        }
        if field == .dayOfWeek, let hash = s.firstIndex(of: "#") {
            let term = s[..<hash]
            let nthText = s[s.index(after: hash)...]
            let nth = try bareNumber(nthText, field, what: "the n in weekday#n, 1-5")
            guard (1...5).contains(nth) else {
                throw CronError(field: field, token: String(s), reason: "asks for occurrence \(nth); expected 1-5")
            }
            let dow = try value(term, field)
            result.nth[nth - 1] = UInt64(1) << UInt64(dow)
            return result
        }
        if let slash = s.firstIndex(of: "/") {
            let term = s[..<slash]
            let step = try bareNumber(s[s.index(after: slash)...], field, what: "the step after /")
            guard step > 0 else {
                throw CronError(field: field, token: String(s), reason: "has a step of 0; steps start at 1")
            }
            if term.isEmpty {
                throw CronError(field: field, token: String(s), reason: "has nothing before /")
            }
            let items = try parse(term, field)
            if items.isOnlyLast || items.isOnlyLastWeekday { return items }
            if items.values.nonzeroBitCount == 1 {
                let start = items.values.trailingZeroBitCount
                for v in stride(from: start, through: field.range.upperBound, by: step) {
                    result.values |= UInt64(1) << UInt64(v)
                }
                return result
            }
            var index = 0
            for v in 0..<64 where items.values & (UInt64(1) << UInt64(v)) != 0 {
                if index % step == 0 { result.values |= UInt64(1) << UInt64(v) }
                index += 1
            }
            return result
        }
        if let dash = s.firstIndex(of: "-") {
            let start = try value(s[..<dash], field)
            let end = try value(s[s.index(after: dash)...], field)
            guard end >= start else {
                throw CronError(field: field, token: String(s), reason: "is a range that ends before it starts")
            }
            for v in start...end { result.values |= UInt64(1) << UInt64(v) }
            return result
        }
        if field == .dayOfMonth && asciiUppercased(s) == "LW" {
            result.lastWeekday = true
            return result
        }
        if field == .dayOfMonth && asciiUppercased(s) == "L" {
            result.last = true
            return result
        }
        result.values = UInt64(1) << UInt64(try value(s, field))
        return result
    }
}
