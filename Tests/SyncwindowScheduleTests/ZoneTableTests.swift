import Foundation
import Testing

@testable import SyncwindowSchedule

/// Zone tables come from the system's TZif files; Foundation (ICU, the same tzdata release) is the reference.
@Suite("Zone tables from tzdata")
struct ZoneTableTests {
    /// Since 2022 tzdata keeps only one history for zones that agree from 1970 on (Europe/Amsterdam links to
    /// Europe/Brussels, EST to America/Panama) and moves the older local history to its `backzone` file; ICU
    /// compiles that file in, the system's TZif files (and Python's zoneinfo, which cronsim runs on) do not. So the
    /// two sources may differ before 1970, and must agree from then on.
    @Test("every zone Foundation knows has the same offsets from its TZif file as from Foundation, 1970-2299")
    func everyZoneAgreesWithFoundation() throws {
        var compared = 0
        var agreeSince1900 = 0
        var disagreements: [String] = []
        for identifier in TimeZone.knownTimeZoneIdentifiers + ["UTC", "GMT", "Etc/UTC", "EST", "MST", "HST"] {
            guard let zone = TimeZone(identifier: identifier), let file = TZif.load(identifier: zone.identifier)
            else { continue }
            let fromFile = ZoneTable(file)
            let fromFoundation = ZoneTable(foundation: zone)
            compared += 1
            if fromFile.instants == fromFoundation.instants && fromFile.offsets == fromFoundation.offsets {
                agreeSince1900 += 1
            } else if Self.since1970(fromFile) != Self.since1970(fromFoundation) {
                disagreements.append(identifier)
            }
        }
        #expect(compared > 400)
        #expect(agreeSince1900 > 300)
        #expect(disagreements == [])
    }

    /// The offset at 1970-01-01 and every change after it.
    static func since1970(_ table: ZoneTable) -> (Int64, [Int64], [Int64]) {
        let first = table.segment(containing: 0)
        return (table.offsets[first], Array(table.instants[first...]), Array(table.offsets[(first + 1)...]))
    }

    @Test(
        "the zones of the cronsim tests read from their files",
        arguments: [
            "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "America/Havana",
            "Asia/Shanghai", "Pacific/Chatham", "Europe/London", "America/Sao_Paulo", "Asia/Tehran", "Europe/Dublin",
            "America/St_Johns", "UTC",
        ])
    func benchZonesHaveFiles(identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        #expect(TZif.load(identifier: zone.identifier) != nil)
    }

    @Test(
        "names that could leave the zoneinfo directory are not read",
        arguments: [
            "", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//Berlin", ".hidden", "Europe/",
            "a b", "Europe/Berlin\u{0}",
        ])
    func unsafeNames(identifier: String) {
        #expect(!TZif.isPlainName(identifier))
        #expect(TZif.load(identifier: identifier) == nil)
    }

    @Test("POSIX TZ rules of TZif footers")
    func rules() throws {
        let berlin = try #require(TZif.Rule.parse(Array("CET-1CEST,M3.5.0,M10.5.0/3".utf8)))
        #expect(berlin.standardOffset == 3600)
        #expect(berlin.daylight?.offset == 7200)
        // 2026-03-29T01:00:00Z and 2026-10-25T01:00:00Z.
        #expect(berlin.transitions(year: 2026).map(\.0) == [1_774_746_000, 1_792_890_000])
        // Lord Howe: half an hour of daylight saving, southern hemisphere (ends before it starts in a year).
        let lordHowe = try #require(TZif.Rule.parse(Array("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0".utf8)))
        #expect(lordHowe.standardOffset == 37_800)
        #expect(lordHowe.daylight?.offset == 39_600)
        #expect(lordHowe.transitions(year: 2026).map(\.1) == [37_800, 39_600])
        // Santiago: 24:00 of a Saturday.
        let santiago = try #require(TZif.Rule.parse(Array("<-04>4<-03>,M9.1.6/24,M4.1.6/24".utf8)))
        #expect(santiago.daylight?.start.time == 86_400)
        // Negative times (America/Nuuk), Julian and zero-based days.
        let nuuk = try #require(TZif.Rule.parse(Array("<-02>2<-01>,M3.5.0/-1,M10.5.0/0".utf8)))
        #expect(nuuk.daylight?.start.time == -3600)
        let julian = try #require(TZif.Rule.parse(Array("EST5EDT,J60/2,300".utf8)))
        // J60 is March 1 in every year; day 300 counts February 29.
        #expect(julian.daylight?.start.dayNumber(year: 2028) == daysSince1970(2028, 3, 1))
        #expect(julian.daylight?.end.dayNumber(year: 2028) == daysSince1970(2028, 1, 1) + 300)
        // Standard time only; the US default rule when none is given.
        #expect(TZif.Rule.parse(Array("<+0330>-3:30".utf8)) == TZif.Rule(standardOffset: 12_600))
        let us = try #require(TZif.Rule.parse(Array("EST5EDT".utf8)))
        #expect(us.daylight?.start == .init(day: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7200))
        for bad in ["", "CE", "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "<+03-3", "CET-1CEST,J0,J365"] {
            #expect(TZif.Rule.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test("malformed TZif bytes are refused, not trusted")
    func malformedFiles() throws {
        let path = try #require(
            TZif.directories.first { FileManager.default.fileExists(atPath: $0 + "/Europe/Berlin") })
        let bytes = try #require(FileManager.default.contents(atPath: path + "/Europe/Berlin")).map { $0 }
        #expect(TZif.parse(bytes) != nil)
        for length in [0, 4, 44, bytes.count / 2, bytes.count - 2] {
            #expect(TZif.parse(Array(bytes.prefix(length))) == nil, "\(length) bytes")
        }
        var version1 = bytes
        version1[4] = 0
        #expect(TZif.parse(version1) == nil)
    }

    private func daysSince1970(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        // Days since 1970-01-01, by Foundation, independent of the code under test.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return Int64(date.timeIntervalSince1970 / 86_400)
    }
}
