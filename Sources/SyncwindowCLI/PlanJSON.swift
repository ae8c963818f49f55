import Foundation
import Synchronization
import SyncwindowSchedule

/// `plan --format json`, written as bytes: the document `JSONValue.rendered()` makes of the same rows (same keys,
/// order and indentation), without building a tree of values first. A year of a hundred windows is tens of
/// thousands of rows; each costs two timestamps and a few copies of bytes prepared once per pair and window,
/// and batches of rows are formatted on every core, then written in order.
enum PlanJSON {
    /// Rows formatted per batch: a few megabytes at most in memory, whatever the length of the plan.
    static let batchRows = 16_384

    static func write(_ rows: [PlanRow], pairs: [String], windows: [Window]) throws {
        var output = StandardOutput()
        guard !rows.isEmpty else {
            output.append("{\n  \"occurrences\": []\n}\n")
            try output.flush()
            return
        }
        let pieces = Pieces(pairs: pairs, windows: windows)
        output.append("{\n  \"occurrences\": [\n")
        let slices = 2
        for batch in stride(from: 0, to: rows.count, by: batchRows) {
            let range = batch..<min(rows.count, batch + batchRows)
            let formatted = Mutex([[UInt8]](repeating: [], count: slices))
            let part = (range.count + slices - 1) / slices
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let start = range.lowerBound + slice * part
                let end = min(range.upperBound, start + part)
                guard start < end else { return }
                let bytes = pieces.format(rows[start..<end], last: end == rows.count)
                formatted.withLock { $0[slice] = bytes }
            }
            for bytes in formatted.withLock({ $0 }) {
                output.append(bytes)
                try output.flushIfFull()
            }
        }
        output.append("  ]\n}\n")
        try output.flush()
    }

    /// The fixed bytes around each row's values, made once per pair and window.
    struct Pieces: Sendable {
        let pairPrefix: [[UInt8]]
        let windowPart: [[UInt8]]
        let writers: [RFC3339.Writer]
        let durations: [TimeInterval]
        let endPart = Array("\",\n      \"end\": \"".utf8)
        let close = Array("\"\n    }".utf8)

        init(pairs: [String], windows: [Window]) {
            pairPrefix = pairs.map { Array("    {\n      \"pair\": \(JSONValue.quoted($0)),\n      \"window\": ".utf8) }
            windowPart = windows.map { Array("\(JSONValue.quoted($0.name)),\n      \"start\": \"".utf8) }
            writers = windows.map { RFC3339.Writer(zone: $0.timeZone) }
            durations = windows.map(\.duration)
        }

        /// The rows as array elements, each followed by `,` unless it is the `last` of the whole plan.
        func format(_ rows: ArraySlice<PlanRow>, last: Bool) -> [UInt8] {
            var writers = self.writers
            var bytes: [UInt8] = []
            bytes.reserveCapacity(rows.count * 160)
            for row in rows {
                let start = Date(timeIntervalSince1970: Double(row.start))
                bytes.append(contentsOf: pairPrefix[row.pair])
                bytes.append(contentsOf: windowPart[row.window])
                writers[row.window].append(start, to: &bytes)
                bytes.append(contentsOf: endPart)
                writers[row.window].append(start + durations[row.window], to: &bytes)
                bytes.append(contentsOf: close)
                bytes.append(UInt8(ascii: ","))
                bytes.append(UInt8(ascii: "\n"))
            }
            if last {
                bytes.removeLast(2)
                bytes.append(UInt8(ascii: "\n"))
            }
            return bytes
        }
    }
}
