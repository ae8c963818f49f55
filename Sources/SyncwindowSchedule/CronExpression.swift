import Foundation

/// A parsed five-field cron expression (`minute hour day-of-month month day-of-week`, or a
/// macro such as `@daily`), evaluated with the semantics of the `cronsim` Python package
/// (Debian cron), including its handling of daylight-saving gaps and overlaps.
public struct CronExpression: Sendable, Equatable {
    /// The text as written in the configuration.
    public let source: String
    /// The five fields after macro expansion, e.g. `0 0 * * *` for `@daily`.
    public let fields: [String]
    let spec: CronSpec

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        lhs.source == rhs.source
    }

    /// Parses `text`, refusing what cronsim refuses and any expression that can never fire.
    public static func parse(_ text: String) throws(CronError) -> CronExpression {
        let trimmed = hasGraphicASCIIEnds(text) ? text : text.trimmingCharacters(in: .whitespacesAndNewlines)
        let expanded: String
        if trimmed.hasPrefix("@") {
            guard let macro = macros[trimmed.lowercased()] else {
                throw CronError(
                    field: nil, token: trimmed,
                    reason: "is not a known macro (@yearly @annually @monthly @weekly @daily @midnight @hourly)")
            }
            expanded = macro
        } else {
            expanded = trimmed
        }
        let fields: [String]
        if expanded.utf8.allSatisfy({ $0 < 128 }) {
            // ASCII: the white space characters are these bytes (`\r\n` is one character, and white space too).
            fields = expanded.utf8.split(whereSeparator: { $0 == 32 || (9...13).contains($0) }).map {
                String(decoding: $0, as: UTF8.self)
            }
        } else {
            fields = expanded.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        }
        guard fields.count == 5 else {
            throw CronError(
                field: nil, token: text,
                reason: "has \(fields.count) field\(fields.count == 1 ? "" : "s"); "
                    + "expected 5 (minute hour day-of-month month day-of-week)")
        }
        let spec = try CronSpec(fields: fields)
        return CronExpression(source: text, fields: fields, spec: spec)
    }

    /// Whether the first and last scalars are printable ASCII other than a space: then trimming white space
    /// and newlines changes nothing, and Foundation's trimming (a tenth of reading a window) can be skipped.
    static func hasGraphicASCIIEnds(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
        return (33...126).contains(first.value) && (33...126).contains(last.value)
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    /// First start strictly after `instant`, reading the cron in `zone`, with cronsim/Debian
    /// DST semantics. Nil when there is none within 50 years (cronsim's horizon).
    public func nextStart(after instant: Date, in zone: TimeZone) -> Date? {
        var iterator = CronIterator(spec: spec, table: ZoneTable.forZone(zone), after: instant)
        return iterator.next().map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// The starts strictly after `instant` and before `end`, in order.
    public func starts(after instant: Date, before end: Date, in zone: TimeZone) -> [Date] {
        var iterator = CronIterator(spec: spec, table: ZoneTable.forZone(zone), after: instant)
        var result: [Date] = []
        let limit = end.timeIntervalSince1970
        while let next = iterator.next(), Double(next) < limit {
            result.append(Date(timeIntervalSince1970: Double(next)))
        }
        return result
    }
}

extension CronExpression: CustomStringConvertible {
    public var description: String { source }
}
