import Foundation
import SyncwindowCivilTime

extension RFC3339 {
    /// Writes instants as RFC 3339 text in one zone, byte by byte: ``RFC3339/format(_:in:)`` without a zone
    /// lookup, a `String` per field or an allocation per instant. Made once per zone, it turns a year of plan
    /// rows into text at a few dozen nanoseconds a timestamp.
    public struct Writer: Sendable {
        let table: ZoneTable
        let writesZ: Bool
        /// The offset segment and the civil date of the last instant written: consecutive instants mostly share
        /// both, and then cost neither a search of the zone's transitions nor a calendar conversion.
        private var segment: (start: Int64, end: Int64, offset: Int64) = (1, 0, 0)
        private var date: (day: Int64, year: Int, month: Int, dayOfMonth: Int) = (.min, 0, 0, 0)

        public init(zone: TimeZone) {
            table = ZoneTable.forZone(zone)
            writesZ = RFC3339.isUTC(zone)
        }

        /// Appends `date` as `format(date, in: zone)` would write it.
        public mutating func append(_ date: Date, to bytes: inout [UInt8]) {
            let seconds = date.timeIntervalSince1970
            let whole = Int64(seconds.rounded(.down))
            var millis = Int(((seconds - Double(whole)) * 1000).rounded())
            var base = whole
            if millis >= 1000 {
                base += 1
                millis -= 1000
            }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maximumLength) { text in
                if let count = write(seconds: base, millis: millis, to: text.baseAddress!) {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<count]))
                } else {
                    bytes += Array(slowText(seconds: base, millis: millis).utf8)
                }
            }
        }

        /// The most bytes ``write(seconds:millis:to:)`` writes: `9999-12-31T23:59:59.999+14:00` is 29.
        public static let maximumLength = 32

        /// Writes the instant `seconds` (whole UTC seconds) and `millis` (0...999) as ``append(_:to:)`` would, at
        /// `text`, which has room for ``maximumLength`` bytes; the number of bytes written. Nil, and nothing
        /// written, for a wall time outside years 0...9999, which only `append` writes.
        @inline(__always)
        public mutating func write(seconds base: Int64, millis: Int = 0, to text: UnsafeMutablePointer<UInt8>) -> Int? {
            if base < segment.start || base >= segment.end {
                let index = table.segment(containing: base)
                let bounds = table.bounds(ofSegment: index)
                // RFC 3339 offsets have minute precision.
                segment = (bounds.start, bounds.end, CivilTime.floorDiv(table.offsets[index], 60) * 60)
            }
            let offset = segment.offset
            let wallSeconds = base + offset
            let day = WallMath.day(wallSeconds)
            if day != self.date.day {
                let civil = CivilTime.date(days: day)
                self.date = (day, civil.year, civil.month, civil.day)
            }
            guard (0...9999).contains(self.date.year) else { return nil }
            let secondOfDay = Int(wallSeconds - day * 86_400)
            var at = 0
            @inline(__always)
            func put(_ byte: UInt8) {
                text[at] = byte
                at += 1
            }
            @inline(__always)
            func put2(_ value: Int) {
                text[at] = UInt8(truncatingIfNeeded: 48 + value / 10)
                text[at + 1] = UInt8(truncatingIfNeeded: 48 + value % 10)
                at += 2
            }
            let year = self.date.year
            put2(year / 100)
            put2(year % 100)
            put(UInt8(ascii: "-"))
            put2(self.date.month)
            put(UInt8(ascii: "-"))
            put2(self.date.dayOfMonth)
            put(UInt8(ascii: "T"))
            put2(secondOfDay / 3600)
            put(UInt8(ascii: ":"))
            put2(secondOfDay / 60 % 60)
            put(UInt8(ascii: ":"))
            put2(secondOfDay % 60)
            if millis != 0 {
                put(UInt8(ascii: "."))
                put(UInt8(truncatingIfNeeded: 48 + millis / 100))
                put2(millis % 100)
            }
            if offset == 0 && writesZ {
                put(UInt8(ascii: "Z"))
            } else {
                let magnitude = Int(abs(offset))
                put(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                put2(magnitude / 3600)
                put(UInt8(ascii: ":"))
                put2(magnitude % 3600 / 60)
            }
            return at
        }

        /// Outside what `parse` accepts: the slow path writes the same odd text it always did.
        private func slowText(seconds base: Int64, millis: Int) -> String {
            let offset = segment.offset
            return RFC3339.slowFormat(
                wall: WallFields(base + offset), millis: millis, offset: offset, writesZ: writesZ)
        }

        /// `date` as a `String`.
        public mutating func string(_ date: Date) -> String {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(32)
            append(date, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The general text of a wall time, for years outside 0...9999 (which `parse` does not accept back).
    static func slowFormat(wall: WallFields, millis: Int, offset: Int64, writesZ: Bool) -> String {
        var text =
            pad(wall.year, 4) + "-" + pad(wall.month, 2) + "-" + pad(wall.day, 2) + "T"
            + pad(wall.hour, 2) + ":" + pad(wall.minute, 2) + ":" + pad(wall.second, 2)
        if millis != 0 { text += "." + pad(millis, 3) }
        if offset == 0 && writesZ {
            text += "Z"
        } else {
            let magnitude = abs(offset)
            text += (offset < 0 ? "-" : "+") + pad(Int(magnitude / 3600), 2) + ":" + pad(Int(magnitude % 3600 / 60), 2)
        }
        return text
    }
}
