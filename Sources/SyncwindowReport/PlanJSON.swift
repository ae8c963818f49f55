import Foundation
import Synchronization
import SyncwindowSchedule

/// `plan --format json`, written as bytes: the document `JSONValue.rendered()` makes of the same rows (same keys,
/// order and indentation), without building a tree of values first. A year of a hundred windows is tens of
/// thousands of rows; each costs two timestamps and a few copies of bytes prepared once per pair and window,
/// and batches of rows are formatted on every core, then written in order.
package enum PlanJSON {
    /// Rows formatted per batch: the two slices of a batch fill buffers of a few hundred kilobytes, allocated
    /// once and written out before the next batch (reused, their pages are touched once, not once per row).
    static let batchRows = 4_096

    /// The document, handed to `emit` a piece at a time in order (the CLI writes each straight to standard output).
    package static func write(
        _ rows: [PlanRow], pairs: [String], windows: [Window], to emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        func emitText(_ text: String) throws {
            var text = text
            try text.withUTF8 { try emit(UnsafeRawBufferPointer($0)) }
        }
        guard !rows.isEmpty else { return try emitText("{\n  \"occurrences\": []\n}\n") }
        let pieces = Pieces(pairs: pairs, windows: windows)
        try emitText("{\n  \"occurrences\": [\n")
        let slices = 2
        let part = (batchRows + slices - 1) / slices
        let buffers = SliceBuffers(count: slices, capacity: part * pieces.rowCapacity)
        defer { buffers.deallocate() }
        for batch in stride(from: 0, to: rows.count, by: batchRows) {
            let range = batch..<min(rows.count, batch + batchRows)
            let counts = Mutex([Int](repeating: 0, count: slices))
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let start = range.lowerBound + slice * part
                let end = min(range.upperBound, start + part)
                guard start < end else { return }
                let count = pieces.format(rows[start..<end], last: end == rows.count, into: buffers.pointers[slice])
                counts.withLock { $0[slice] = count }
            }
            for (slice, count) in counts.withLock({ $0 }).enumerated() {
                try emit(UnsafeRawBufferPointer(start: buffers.pointers[slice], count: count))
            }
        }
        try emitText("  ]\n}\n")
    }

    /// The whole document as a `String` (tests, small plans).
    package static func rendered(_ rows: [PlanRow], pairs: [String], windows: [Window]) -> String {
        var bytes: [UInt8] = []
        // Appending to an array cannot fail.
        try? write(rows, pairs: pairs, windows: windows) { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One output buffer per slice, each written by one thread at a time.
    struct SliceBuffers: @unchecked Sendable {
        let pointers: [UnsafeMutablePointer<UInt8>]

        init(count: Int, capacity: Int) {
            pointers = (0..<count).map { _ in UnsafeMutablePointer<UInt8>.allocate(capacity: capacity) }
        }

        func deallocate() {
            for pointer in pointers { pointer.deallocate() }
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

        /// Writes the rows as array elements at `start`, which has room for `rowCapacity` bytes a row, each
        /// followed by `,` unless it is the `last` of the whole plan; the number of bytes written.
        func format(_ rows: ArraySlice<PlanRow>, last: Bool, into start: UnsafeMutablePointer<UInt8>) -> Int {
            var writers = self.writers
            return bytes.withUnsafeBufferPointer { pieces in
                let pieces = pieces.baseAddress!
                var out = start
                @inline(__always)
                func put(_ range: Range<Int>) {
                    out.update(from: pieces + range.lowerBound, count: range.count)
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
                var count = out - start
                if last && count >= 2 {
                    // No comma after the last element.
                    count -= 1
                    start[count - 1] = UInt8(ascii: "\n")
                }
                return count
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
