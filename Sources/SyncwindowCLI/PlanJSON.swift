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
            // Megabytes at a time, straight to the file descriptor rather than copied into the buffer first.
            try output.flush()
            for bytes in formatted.withLock({ $0 }) {
                try writeOut(bytes)
            }
        }
        output.append("  ]\n}\n")
        try output.flush()
    }

    private static func writeOut(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { raw in Foundation.write(1, raw.baseAddress, raw.count) }
            if result < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(
                    "cannot write to standard output: \(String(cString: strerror(errno)))", exitCode: 1)
            }
            written += result
        }
    }

    /// The fixed bytes around each row's values, made once per pair and window.
    struct Pieces: Sendable {
        /// `pairPrefix(i)` then `windowPart(j)` open row (i, j), up to its start: byte ranges of `bytes`.
        let bytes: [UInt8]
        let pairRanges: [Range<Int>]
        let windowRanges: [Range<Int>]
        let endPart: Range<Int>
        /// `"` and the row's closing brace, `,` and a newline.
        let close: Range<Int>
        let writers: [RFC3339.Writer]
        let durations: [TimeInterval]
        /// The durations in whole seconds, where they are whole: the end is then written from an integer.
        let wholeDurations: [Int64?]
        /// The most bytes one row can take.
        let rowCapacity: Int

        init(pairs: [String], windows: [Window]) {
            var bytes: [UInt8] = []
            func add(_ text: String) -> Range<Int> {
                let start = bytes.count
                bytes += Array(text.utf8)
                return start..<bytes.count
            }
            pairRanges = pairs.map { add("    {\n      \"pair\": \(JSONValue.quoted($0)),\n      \"window\": ") }
            windowRanges = windows.map { add("\(JSONValue.quoted($0.name)),\n      \"start\": \"") }
            endPart = add("\",\n      \"end\": \"")
            close = add("\"\n    },\n")
            self.bytes = bytes
            writers = windows.map { RFC3339.Writer(zone: $0.timeZone) }
            durations = windows.map(\.duration)
            wholeDurations = windows.map { window in
                let duration = window.duration
                return duration == duration.rounded() && abs(duration) < 1e12 ? Int64(duration) : nil
            }
            rowCapacity =
                (pairRanges.map(\.count).max() ?? 0) + (windowRanges.map(\.count).max() ?? 0) + endPart.count
                + close.count + 2 * RFC3339.Writer.maximumLength
        }

        /// The rows as array elements, each followed by `,` unless it is the `last` of the whole plan.
        func format(_ rows: ArraySlice<PlanRow>, last: Bool) -> [UInt8] {
            var writers = self.writers
            let capacity = rows.count * rowCapacity
            return bytes.withUnsafeBufferPointer { pieces in
                let pieces = pieces.baseAddress!
                return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                    let start = buffer.baseAddress!
                    var out = start
                    @inline(__always)
                    func put(_ range: Range<Int>) {
                        (out).update(from: pieces + range.lowerBound, count: range.count)
                        out += range.count
                    }
                    for row in rows {
                        put(pairRanges[row.pair])
                        put(windowRanges[row.window])
                        write(Date(timeIntervalSince1970: Double(row.start)), row.start, &writers[row.window], &out)
                        put(endPart)
                        if let duration = wholeDurations[row.window] {
                            write(nil, row.start + duration, &writers[row.window], &out)
                        } else {
                            let end = Date(timeIntervalSince1970: Double(row.start)) + durations[row.window]
                            write(end, nil, &writers[row.window], &out)
                        }
                        put(close)
                    }
                    count = out - start
                    if last && count >= 2 {
                        // No comma after the last element.
                        count -= 1
                        start[count - 1] = UInt8(ascii: "\n")
                    }
                }
            }
        }

        /// Writes an instant: whole `seconds` when given, else `date` through the general path.
        @inline(__always)
        private func write(
            _ date: Date?, _ seconds: Int64?, _ writer: inout RFC3339.Writer, _ out: inout UnsafeMutablePointer<UInt8>
        ) {
            if let seconds, let count = writer.write(seconds: seconds, to: out) {
                out += count
                return
            }
            var text: [UInt8] = []
            writer.append(date ?? Date(timeIntervalSince1970: Double(seconds ?? 0)), to: &text)
            // Years past 9999 at most: the row's room is never exceeded.
            precondition(text.count <= RFC3339.Writer.maximumLength)
            text.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: $0.count) }
            out += text.count
        }
    }
}
