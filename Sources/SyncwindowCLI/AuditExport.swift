import SyncwindowAudit
import SyncwindowReport

/// `audit --format csv|json` written as the store reads: each event is turned into its line (CSV) or its
/// object (JSON) and buffered, the buffer goes out a megabyte at a time, and nothing else is kept. The bytes
/// are those `AuditListCommand.render` prints for the same events.
enum AuditExport {
    static func stream(from source: any AuditStoring, _ query: AuditQuery, format: OutputFormat) async throws {
        var output = StandardOutput()
        switch format {
        case .json:
            output.append("{\n  \"events\": [")
            var first = true
            try await source.forEachEvent(query) { event in
                output.append(first ? "\n" : ",\n")
                first = false
                appendJSON(event, to: &output.buffer)
                try output.flushIfFull()
            }
            output.append(first ? "]\n}\n" : "\n  ]\n}\n")
        default:
            output.append(CSV.line(AuditJSON.columns) + "\n")
            try await source.forEachEvent(query) { event in
                appendCSV(event, to: &output.buffer)
                try output.flushIfFull()
            }
        }
        try output.flush()
    }

    /// The event's line: `CSV.line(AuditJSON.cells(event))` and a newline.
    static func appendCSV(_ event: AuditEvent, to bytes: inout [UInt8]) {
        for (index, cell) in AuditJSON.cells(event).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendCSV(cell, to: &bytes)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// The event's object as `JSONValue` renders it inside `{"events": [...]}`, two levels in.
    static func appendJSON(_ event: AuditEvent, to bytes: inout [UInt8]) {
        JSONBytes.pad(2, &bytes)
        JSONBytes.append(AuditJSON.event(event), level: 2, to: &bytes)
    }

    /// One cell as `CSV.line` writes it, straight into bytes when the cell is ASCII (nearly every cell of a
    /// trail: ids, times, kinds, hashes); through `CSV` itself otherwise, where what counts as a comma or a line
    /// break is a matter of grapheme clusters.
    static func appendCSV(_ cell: String, to bytes: inout [UInt8]) {
        var cell = cell
        let handled = cell.withUTF8 { text -> Bool in
            var needsQuotes = false
            for (index, byte) in text.enumerated() {
                switch byte {
                case 0x80...: return false
                case UInt8(ascii: ","), UInt8(ascii: "\""): needsQuotes = true
                // "\r\n" is one Character, and `CSV.quoted` looks for "\r" and "\n" as Characters: only a lone
                // CR or LF counts.
                case UInt8(ascii: "\n"): if index == 0 || text[index - 1] != UInt8(ascii: "\r") { needsQuotes = true }
                case UInt8(ascii: "\r"):
                    if index + 1 == text.count || text[index + 1] != UInt8(ascii: "\n") { needsQuotes = true }
                default: break
                }
            }
            if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
            if let first = text.first, formulaStarts.contains(first), !isPlainNumber(text) {
                bytes.append(UInt8(ascii: "'"))
            }
            for byte in text {
                bytes.append(byte)
                if byte == UInt8(ascii: "\"") && needsQuotes { bytes.append(byte) }
            }
            if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
            return true
        }
        if !handled { bytes.append(contentsOf: CSV.quoted(CSV.neutralised(cell)).utf8) }
    }

    /// `=`, `+`, `-`, `@`, tab and CR: what `CSV.neutralised` prefixes with an apostrophe.
    static let formulaStarts: Set<UInt8> = Set("=+-@\t\r".utf8)

    /// `CSV`'s plain number on ASCII bytes: an optional sign, digits, at most one point between digits.
    static func isPlainNumber(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var body = text[...]
        if let sign = body.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { body = body.dropFirst() }
        let parts = body.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { part in !part.isEmpty && part.allSatisfy { (48...57).contains($0) } }
    }
}
