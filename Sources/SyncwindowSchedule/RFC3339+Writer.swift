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
            if base < segment.start || base >= segment.end {
                let index = table.segment(containing: base)
                let bounds = table.bounds(ofSegment: index)
                // RFC 3339 offsets have minute precision.
                segment = (bounds.start, bounds.end, CivilTime.floorDiv(table.offsets[index], 60) * 60)
            }
            let offset = segment.offset
            let wallSeconds = base + offset
            let day = CivilTime.floorDiv(wallSeconds, 86_400)
            if day != self.date.day {
                let civil = CivilTime.date(days: day)
                self.date = (day, civil.year, civil.month, civil.day)
            }
            let secondOfDay = Int(wallSeconds - day * 86_400)
            let wall = (
                year: self.date.year, month: self.date.month, day: self.date.dayOfMonth, hour: secondOfDay / 3600,
                minute: secondOfDay / 60 % 60, second: secondOfDay % 60
            )
            guard (0...9999).contains(wall.year) else {
                // Outside what `parse` accepts: the slow path writes the same odd text it always did.
                bytes += Array(
                    RFC3339.slowFormat(wall: WallFields(wallSeconds), millis: millis, offset: offset, writesZ: writesZ)
                        .utf8)
                return
            }
            // At most 29 bytes (`9999-12-31T23:59:59.999+14:00`), put together on the stack and appended at once.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { text in
                var at = 0
                func put(_ byte: UInt8) {
                    text[at] = byte
                    at += 1
                }
                func put(_ value: Int, _ width: Int) {
                    var rest = value
                    var position = at + width - 1
                    while position >= at {
                        text[position] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                        rest /= 10
                        position -= 1
                    }
                    at += width
                }
                put(wall.year, 4)
                put(UInt8(ascii: "-"))
                put(wall.month, 2)
                put(UInt8(ascii: "-"))
                put(wall.day, 2)
                put(UInt8(ascii: "T"))
                put(wall.hour, 2)
                put(UInt8(ascii: ":"))
                put(wall.minute, 2)
                put(UInt8(ascii: ":"))
                put(wall.second, 2)
                if millis != 0 {
                    put(UInt8(ascii: "."))
                    put(millis, 3)
                }
                if offset == 0 && writesZ {
                    put(UInt8(ascii: "Z"))
                } else {
                    let magnitude = Int(abs(offset))
                    put(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                    put(magnitude / 3600, 2)
                    put(UInt8(ascii: ":"))
                    put(magnitude % 3600 / 60, 2)
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<at]))
            }
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
