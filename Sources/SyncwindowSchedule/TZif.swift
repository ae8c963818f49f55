import Foundation
import SyncwindowCivilTime

/// A zone's UTC offsets read from the system tzdata (the compiled TZif files of RFC 8536 under
/// `/usr/share/zoneinfo`, which Python's `zoneinfo`, and so cronsim, reads too): the explicit transitions, then
/// the file's POSIX TZ rule for the years after them.
///
/// Reading a few kilobytes is far cheaper than asking ICU for four centuries of transitions one by one, which
/// cost `plan` most of a millisecond per zone. The transitions agree with Foundation's (the same tzdata release
/// is compiled into ICU; a test compares every zone both know); when there is no readable file for the zone,
/// ``ZoneTable`` asks Foundation as before.
struct TZif: Equatable {
    /// Transition instants (UTC seconds), ascending.
    var instants: [Int64]
    /// The UTC offset from `instants[i]` on.
    var offsets: [Int64]
    /// The offset before the first transition.
    var initialOffset: Int64
    /// What comes after the last transition.
    var rule: Rule?

    /// The directories searched for a zone's file, in order: `TZDIR` first when it is set, then the places
    /// Python's `zoneinfo` looks.
    static let directories: [String] = {
        var result = ["/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo"]
        if let directory = ProcessInfo.processInfo.environment["TZDIR"], directory.hasPrefix("/") {
            result.insert(directory, at: 0)
        }
        return result
    }()

    /// The zone's file parsed, or nil when the identifier is no plain tzdata name, no file has it, or the file is
    /// not a TZif file this reader understands.
    static func load(identifier: String) -> TZif? {
        guard isPlainName(identifier) else { return nil }
        for directory in directories {
            guard let bytes = contents(of: directory + "/" + identifier) else { continue }
            return parse(bytes)
        }
        return nil
    }

    /// The bytes of a regular file of at most a megabyte (a TZif file is a few kilobytes), or nil.
    static func contents(of path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size <= 1 << 20 else {
            return nil
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= 1 << 20 else { return nil }
        }
    }

    /// A relative path of name characters without `.` or `..` components: never a way out of the directory.
    static func isPlainName(_ identifier: String) -> Bool {
        let bytes = Array(identifier.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, bytes.first != UInt8(ascii: "/") else { return false }
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard !component.isEmpty, component.first != UInt8(ascii: ".") else { return false }
            for byte in component {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                    UInt8(ascii: "."):
                    continue
                default:
                    return false
                }
            }
        }
        return true
    }

    /// Parses a TZif file of version 2 or later (64-bit times and a footer); nil for anything else, for a file
    /// with leap seconds (the `right/` zones count TAI seconds) and for anything malformed.
    static func parse(_ bytes: [UInt8]) -> TZif? {
        var reader = Reader(bytes: bytes)
        guard let first = reader.header(), first.version >= 2 else { return nil }
        // Skip the 32-bit block.
        guard
            reader.skip(first.timecnt * 5 + first.typecnt * 6 + first.charcnt + first.leapcnt * 8)
                && reader.skip(first.isstdcnt + first.isutcnt),
            let header = reader.header(), header.version >= 2, header.leapcnt == 0, header.typecnt > 0
        else { return nil }
        var times: [Int64] = []
        times.reserveCapacity(header.timecnt)
        for _ in 0..<header.timecnt {
            guard let time = reader.int64() else { return nil }
            times.append(time)
        }
        var typeIndices: [Int] = []
        typeIndices.reserveCapacity(header.timecnt)
        for _ in 0..<header.timecnt {
            guard let index = reader.byte(), Int(index) < header.typecnt else { return nil }
            typeIndices.append(Int(index))
        }
        var utoffs: [Int64] = []
        for _ in 0..<header.typecnt {
            guard let utoff = reader.int32(), reader.skip(2) else { return nil }
            utoffs.append(Int64(utoff))
        }
        guard reader.skip(header.charcnt + header.isstdcnt + header.isutcnt) else { return nil }
        // The footer: "\n" TZ "\n"; an empty TZ says nothing is known past the last transition.
        guard reader.byte() == UInt8(ascii: "\n"), let end = reader.rest.firstIndex(of: UInt8(ascii: "\n")) else {
            return nil
        }
        let footer = Array(reader.rest[..<end])
        var rule: Rule?
        if !footer.isEmpty {
            guard let parsed = Rule.parse(footer) else { return nil }
            rule = parsed
        }
        for index in times.indices.dropFirst() where times[index] <= times[index - 1] { return nil }
        return TZif(
            instants: times, offsets: typeIndices.map { utoffs[$0] }, initialOffset: utoffs[0], rule: rule)
    }

    /// The offset in force at `utc`.
    func offset(at utc: Int64) -> Int64 {
        // Just after the last transition at or before utc.
        let lo = instants.countNotAfter(utc)
        if lo == instants.count, let rule { return rule.offset(at: utc) }
        return lo == 0 ? initialOffset : offsets[lo - 1]
    }

    /// The offset at `start`, then every instant in (start, end) at which the offset changes, with the offset
    /// from then on: what ``ZoneTable`` keeps.
    func changes(from start: Int64, to end: Int64) -> (initial: Int64, instants: [Int64], offsets: [Int64]) {
        let initial = offset(at: start)
        var resultInstants: [Int64] = []
        var resultOffsets: [Int64] = []
        var current = initial
        func add(_ instant: Int64, _ offset: Int64) {
            guard instant > start, instant < end, offset != current else { return }
            resultInstants.append(instant)
            resultOffsets.append(offset)
            current = offset
        }
        for (instant, offset) in zip(instants, offsets) { add(instant, offset) }
        if let rule {
            let last = instants.last ?? Int64.min
            let firstYear = Swift.max(WallFields(Swift.max(last, start)).year - 1, -10_000)
            let lastYear = WallFields(end).year + 1
            if firstYear <= lastYear {
                for year in firstYear...lastYear {
                    for (instant, offset) in rule.transitions(year: year) where instant > last {
                        add(instant, offset)
                    }
                }
            }
        }
        return (initial, resultInstants, resultOffsets)
    }

    /// A POSIX TZ string as TZif footers use it (RFC 8536 section 3.3): a standard offset, and optionally a
    /// daylight-saving offset with the rules of its start and end.
    struct Rule: Equatable {
        var standardOffset: Int64
        var daylight: Daylight?

        struct Daylight: Equatable {
            var offset: Int64
            var start: Boundary
            var end: Boundary
        }

        /// A day of the year and a local time (seconds; may be negative or past 24 hours).
        struct Boundary: Equatable {
            enum Day: Equatable {
                /// `Jn`: 1...365, February 29 never counted.
                case julian(Int)
                /// `n`: 0...365, February 29 counted in leap years.
                case zeroBased(Int)
                /// `Mm.w.d`: day `d` (0 = Sunday) of week `w` (5 = the last) of month `m`.
                case monthWeekDay(month: Int, week: Int, weekday: Int)
            }
            var day: Day
            var time: Int64

            /// Days since 1970-01-01 of this day in `year`.
            func dayNumber(year: Int) -> Int64 {
                let january1 = CivilTime.days(year: year, month: 1, day: 1)
                switch day {
                case .julian(let n):
                    // Day n of a 365-day year: after February, a leap year's count moves on by one.
                    return january1 + Int64(n - 1) + (CivilTime.isLeap(year) && n >= 60 ? 1 : 0)
                case .zeroBased(let n):
                    return january1 + Int64(n)
                case .monthWeekDay(let month, let week, let weekday):
                    let first = CivilTime.days(year: year, month: month, day: 1)
                    var day = first + Int64((weekday - CivilTime.weekday(days: first) + 7) % 7) + Int64(week - 1) * 7
                    let length = Int64(CivilTime.daysInMonth(year: year, month: month))
                    while day >= first + length { day -= 7 }
                    return day
                }
            }
        }

        /// The offset at `utc` by this rule alone.
        func offset(at utc: Int64) -> Int64 {
            guard daylight != nil else { return standardOffset }
            let year = WallFields(utc + standardOffset).year
            var offset = standardOffset
            // The last change at or before utc, looking back into the previous year.
            var best = Int64.min
            for candidate in [year - 1, year, year + 1] {
                for (instant, after) in transitions(year: candidate) where instant <= utc && instant >= best {
                    best = instant
                    offset = after
                }
            }
            return offset
        }

        /// The two changes of `year` (none without daylight saving), in order.
        func transitions(year: Int) -> [(Int64, Int64)] {
            guard let daylight else { return [] }
            // The start is written in standard time, the end in daylight time.
            let start = daylight.start.dayNumber(year: year) * 86_400 + daylight.start.time - standardOffset
            let end = daylight.end.dayNumber(year: year) * 86_400 + daylight.end.time - daylight.offset
            let changes = [(start, daylight.offset), (end, standardOffset)]
            return start <= end ? changes : changes.reversed()
        }

        /// Parses `CET-1CEST,M3.5.0,M10.5.0/3`, `<+1030>-10:30<+11>-11,M10.1.0,M4.1.0`, `<-03>3` and the like.
        static func parse(_ text: [UInt8]) -> Rule? {
            var scanner = Scanner(bytes: text)
            guard scanner.name(), let standard = scanner.offset() else { return nil }
            // POSIX offsets are west of Greenwich: UTC+1 is written -1.
            let standardOffset = -standard
            if scanner.isAtEnd { return Rule(standardOffset: standardOffset) }
            guard scanner.name() else { return nil }
            var daylightOffset = standardOffset + 3600
            if let explicit = scanner.offset() { daylightOffset = -explicit }
            var start = Boundary(day: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7200)
            var end = Boundary(day: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7200)
            if !scanner.isAtEnd {
                guard scanner.expect(UInt8(ascii: ",")), let parsedStart = scanner.boundary(),
                    scanner.expect(UInt8(ascii: ",")), let parsedEnd = scanner.boundary()
                else { return nil }
                start = parsedStart
                end = parsedEnd
            }
            guard scanner.isAtEnd else { return nil }
            return Rule(
                standardOffset: standardOffset,
                daylight: Daylight(offset: daylightOffset, start: start, end: end))
        }
    }

    /// The bytes of a TZ string, read left to right.
    struct Scanner {
        let bytes: [UInt8]
        var at = 0

        var isAtEnd: Bool { at == bytes.count }

        mutating func expect(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        /// `CET` (three or more letters) or `<+0330>` (quoted, with signs and digits).
        mutating func name() -> Bool {
            if expect(UInt8(ascii: "<")) {
                let begin = at
                while at < bytes.count, bytes[at] != UInt8(ascii: ">") { at += 1 }
                guard at - begin >= 3, expect(UInt8(ascii: ">")) else { return false }
                return true
            }
            let begin = at
            while at < bytes.count, (bytes[at] | 0x20) >= UInt8(ascii: "a"), (bytes[at] | 0x20) <= UInt8(ascii: "z") {
                at += 1
            }
            return at - begin >= 3
        }

        mutating func number() -> Int64? {
            let begin = at
            var value: Int64 = 0
            while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9"), at - begin < 4 {
                value = value * 10 + Int64(bytes[at] - UInt8(ascii: "0"))
                at += 1
            }
            return at > begin ? value : nil
        }

        /// `[+-]hh[:mm[:ss]]` in seconds; nil (and nothing read) when there is none. Hours up to 167, as RFC 8536
        /// allows in rule times.
        mutating func offset() -> Int64? {
            let begin = at
            var sign: Int64 = 1
            if expect(UInt8(ascii: "-")) {
                sign = -1
            } else {
                _ = expect(UInt8(ascii: "+"))
            }
            guard let hours = number(), hours <= 167 else {
                at = begin
                return nil
            }
            var seconds = hours * 3600
            if expect(UInt8(ascii: ":")) {
                guard let minutes = number(), minutes <= 59 else { return nil }
                seconds += minutes * 60
                if expect(UInt8(ascii: ":")) {
                    guard let secs = number(), secs <= 59 else { return nil }
                    seconds += secs
                }
            }
            return sign * seconds
        }

        mutating func boundary() -> Rule.Boundary? {
            let day: Rule.Boundary.Day
            if expect(UInt8(ascii: "M")) {
                guard let month = number(), (1...12).contains(month), expect(UInt8(ascii: ".")),
                    let week = number(), (1...5).contains(week), expect(UInt8(ascii: ".")),
                    let weekday = number(), (0...6).contains(weekday)
                else { return nil }
                day = .monthWeekDay(month: Int(month), week: Int(week), weekday: Int(weekday))
            } else if expect(UInt8(ascii: "J")) {
                guard let n = number(), (1...365).contains(n) else { return nil }
                day = .julian(Int(n))
            } else {
                guard let n = number(), (0...365).contains(n) else { return nil }
                day = .zeroBased(Int(n))
            }
            var time: Int64 = 7200
            if expect(UInt8(ascii: "/")) {
                guard let parsed = offset() else { return nil }
                time = parsed
            }
            return Rule.Boundary(day: day, time: time)
        }
    }

    /// Big-endian fields of a TZif file.
    struct Reader {
        let bytes: [UInt8]
        var at = 0

        var rest: ArraySlice<UInt8> { bytes[at...] }

        mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, bytes.count - at >= count else { return false }
            at += count
            return true
        }

        mutating func byte() -> UInt8? {
            guard at < bytes.count else { return nil }
            at += 1
            return bytes[at - 1]
        }

        mutating func uint(_ width: Int) -> UInt64? {
            guard bytes.count - at >= width else { return nil }
            var value: UInt64 = 0
            for index in at..<at + width { value = value << 8 | UInt64(bytes[index]) }
            at += width
            return value
        }

        mutating func int32() -> Int32? { uint(4).map { Int32(truncatingIfNeeded: $0) } }
        mutating func int64() -> Int64? { uint(8).map { Int64(bitPattern: $0) } }

        struct Header {
            var version: Int
            var isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt: Int
        }

        mutating func header() -> Header? {
            guard bytes.count - at >= 44, bytes[at..<at + 4].elementsEqual("TZif".utf8) else { return nil }
            let versionByte = bytes[at + 4]
            let version = versionByte == 0 ? 1 : Int(versionByte) - Int(UInt8(ascii: "0"))
            at += 20
            var counts: [Int] = []
            for _ in 0..<6 {
                guard let count = uint(4), count < 1 << 20 else { return nil }
                counts.append(Int(count))
            }
            return Header(
                version: version, isutcnt: counts[0], isstdcnt: counts[1], leapcnt: counts[2], timecnt: counts[3],
                typecnt: counts[4], charcnt: counts[5])
        }
    }
}
