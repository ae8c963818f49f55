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
        /// The text of both, ready to store: `YYYY-MM-` and `DDT` for the day, `+hh:mm` or `Z` for the offset
        /// (little-endian: the first character in the lowest byte).
        private var datePrefix: (head: UInt64, tail: UInt32) = (0, 0)
        private var offsetSuffix: (bytes: UInt64, count: Int) = (0, 0)

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
                offsetSuffix = Self.suffix(offset: segment.offset, writesZ: writesZ)
            }
            let wallSeconds = base + segment.offset
            let day = WallMath.day(wallSeconds)
            if day != self.date.day {
                let civil = CivilTime.date(days: day)
                self.date = (day, civil.year, civil.month, civil.day)
                datePrefix = Self.prefix(year: civil.year, month: civil.month, day: civil.day)
            }
            guard (0...9999).contains(self.date.year) else { return nil }
            let secondOfDay = Int(wallSeconds - day * 86_400)
            let raw = UnsafeMutableRawPointer(text)
            // `YYYY-MM-DDT` (the store of `DDT` runs one byte over, into the hour written next), then `hh:mm:ss`.
            raw.storeBytes(of: datePrefix.head.littleEndian, as: UInt64.self)
            raw.storeBytes(of: datePrefix.tail.littleEndian, toByteOffset: 8, as: UInt32.self)
            let time =
                Self.digits(secondOfDay / 3600) | 0x3A << 16 | Self.digits(secondOfDay / 60 % 60) << 24 | 0x3A << 40
                | Self.digits(secondOfDay % 60) << 48
            raw.storeBytes(of: time.littleEndian, toByteOffset: 11, as: UInt64.self)
            var count = 19
            if millis != 0 {
                let fraction =
                    0x2E | UInt32(48 + millis / 100) << 8 | UInt32(truncatingIfNeeded: Self.digits(millis % 100)) << 16
                raw.storeBytes(of: fraction.littleEndian, toByteOffset: 19, as: UInt32.self)
                count = 23
            }
            // Eight bytes stored, one or six of them the offset: at most 31 of the 32 a timestamp has.
            raw.storeBytes(of: offsetSuffix.bytes.littleEndian, toByteOffset: count, as: UInt64.self)
            return count + offsetSuffix.count
        }

        /// Two decimal digits of `value` (0...99) as two bytes, the tens in the low one.
        @inline(__always)
        private static func digits(_ value: Int) -> UInt64 {
            UInt64(truncatingIfNeeded: 48 + value / 10) | UInt64(truncatingIfNeeded: 48 + value % 10) << 8
        }

        /// `YYYY-MM-` and `DDT` of a date in years 0...9999.
        private static func prefix(year: Int, month: Int, day: Int) -> (head: UInt64, tail: UInt32) {
            guard (0...9999).contains(year) else { return (0, 0) }
            let head =
                digits(year / 100) | digits(year % 100) << 16 | 0x2D << 32 | digits(month) << 40 | 0x2D << 56
            let tail = UInt32(truncatingIfNeeded: digits(day)) | 0x54 << 16
            return (head, tail)
        }

        /// `Z`, or `+hh:mm` / `-hh:mm`.
        private static func suffix(offset: Int64, writesZ: Bool) -> (bytes: UInt64, count: Int) {
            if offset == 0 && writesZ { return (0x5A, 1) }
            let magnitude = Int(abs(offset))
            let sign: UInt64 = offset < 0 ? 0x2D : 0x2B
            let bytes = sign | digits(magnitude / 3600 % 100) << 8 | 0x3A << 24 | digits(magnitude % 3600 / 60) << 32
            return (bytes, 6)
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
