import SyncwindowCivilTime

/// Broken-down wall clock fields of a wall-seconds value.
struct WallFields {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var days: Int64

    init(_ wall: Int64) {
        let days = WallMath.day(wall)
        self.init(wall: wall, days: days, date: CivilTime.date(days: days))
    }

    /// From the day number of `wall` and its civil date, already known.
    @inline(__always)
    init(wall: Int64, days: Int64, date: (year: Int, month: Int, day: Int)) {
        let sod = Int(wall - days * 86_400)
        self.year = date.year
        self.month = date.month
        self.day = date.day
        self.hour = sod / 3600
        self.minute = (sod / 60) % 60
        self.second = sod % 60
        self.days = days
    }
}

/// Floor division and remainder of wall seconds by a day and a minute, inlined: `CivilTime.floorDiv` and
/// `floorMod` take any divisor from another module, a call and a hardware division each, and the cron steps and
/// the timestamp writer use them a few times per occurrence. Same results for every `Int64`.
enum WallMath {
    @inline(__always)
    static func day(_ wall: Int64) -> Int64 {
        let quotient = wall / 86_400
        return wall % 86_400 < 0 ? quotient - 1 : quotient
    }

    @inline(__always)
    static func secondOfDay(_ wall: Int64) -> Int64 {
        let remainder = wall % 86_400
        return remainder < 0 ? remainder + 86_400 : remainder
    }

    @inline(__always)
    static func secondOfMinute(_ wall: Int64) -> Int64 {
        let remainder = wall % 60
        return remainder < 0 ? remainder + 60 : remainder
    }
}
