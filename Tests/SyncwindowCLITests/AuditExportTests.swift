import Foundation
import SyncwindowAudit
import SyncwindowReport
import Testing

@testable import SyncwindowCLI

/// `audit --format csv|json` streams bytes written per event; they are held here to what the loading path
/// prints for the same events (`CSV.line` of `AuditJSON.cells`, `JSONValue` rendering), on operator text that
/// tries every rule: commas, quotes, lone and paired CR/LF, formula starts, numbers, and non-ASCII text where
/// commas, quotes and line breaks sit inside grapheme clusters.
@Suite("audit export: streamed bytes")
struct AuditExportTests {
    static let cells = [
        "", "plain", "a,b", "say \"hi\"", "line\nbreak", "cr\ronly", "crlf\r\npair", "\r\nlead", "tail\r", "=1+1",
        "+1", "-5", "+1.5", "-", "1.", ".5", "-1.2.3", "@SUM(A1)", "\tTab", "\rCR", "'quoted", "café, naïve",
        ",\u{301}", "\"\u{301}", "\n\u{301}", "x\r\n\u{301}", "🙂,🙂", "=\u{301}", "－5", "٣", "\u{0}nul",
    ]

    @Test("each cell is written as CSV.line writes it", arguments: cells)
    func csvCell(cell: String) {
        var bytes: [UInt8] = []
        AuditExport.appendCSV(cell, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == CSV.line([cell]))
    }

    static func events() -> [AuditEvent] {
        cells.enumerated().map { index, text in
            AuditEvent(
                id: Int64(index + 1), recordedAt: Date(timeIntervalSince1970: 1_796_000_000.25 + Double(index)),
                event: NewAuditEvent(
                    at: Date(timeIntervalSince1970: 1_796_000_000 + Double(index)), passID: index % 2 == 0 ? "p" : nil,
                    pair: text, side: index % 3 == 0 ? .primary : nil, window: text, kind: .overrideSet,
                    outcome: text, jobID: nil, actor: text.isEmpty ? "carol" : text, reason: text, detail: text,
                    until: index % 4 == 0 ? Date(timeIntervalSince1970: 1_796_086_400) : nil,
                    intentID: index % 5 == 0 ? Int64(index) : nil, host: index % 2 == 0 ? text : nil),
                previousHash: AuditChain.genesis, hash: String(repeating: "ab", count: 32))
        }
    }

    @Test("a whole event: the CSV line and the JSON object are the loading path's")
    func events() {
        for event in Self.events() {
            var csv: [UInt8] = []
            AuditExport.appendCSV(event, to: &csv)
            #expect(String(decoding: csv, as: UTF8.self) == CSV.line(AuditJSON.cells(event)) + "\n")
            var json: [UInt8] = []
            AuditExport.appendJSON(event, to: &json)
            let document = JSONValue.object([("events", .array([AuditJSON.event(event)]))]).rendered()
            #expect(document == "{\n  \"events\": [\n" + String(decoding: json, as: UTF8.self) + "\n  ]\n}")
        }
    }
}

/// `JSONBytes` against `JSONValue.rendered()` on nested values and every escape.
@Suite("JSON as bytes")
struct JSONBytesTests {
    @Test("nested objects, arrays, escapes and numbers render as JSONValue renders them")
    func matchesRendered() {
        let texts = AuditExportTests.cells + ["back\\slash", "\u{1}\u{1f}\u{7f}", "tab\there", "日本語 \"q\""]
        let value = JSONValue.object([
            ("texts", .array(texts.map(JSONValue.string))), ("empty", .array([])), ("none", .object([])),
            ("numbers", .array([.number(1.5), .number(-0.0), .number(.infinity), .integer(-42), .integer(0)])),
            ("flags", .array([.bool(true), .bool(false), .null])),
            ("nested", .object([("a", .array([.object([("b", .optional(nil)), ("c", .string("d"))])]))])),
        ])
        for level in 0..<3 {
            var bytes: [UInt8] = []
            JSONBytes.append(value, level: level, to: &bytes)
            let expected = JSONValue.object([("x", .array([value]))]).rendered()
            if level == 0 { #expect(String(decoding: bytes, as: UTF8.self) == value.rendered()) }
            if level == 2 {
                var framed: [UInt8] = []
                JSONBytes.pad(2, &framed)
                framed += bytes
                #expect("{\n  \"x\": [\n" + String(decoding: framed, as: UTF8.self) + "\n  ]\n}" == expected)
            }
        }
    }
}
