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
        let days = CivilTime.floorDiv(wall, 86_400)
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
