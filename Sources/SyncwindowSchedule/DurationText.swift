import Foundation

/// Why a duration was refused.
public struct DurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "duration \"\(text)\" \(reason)" }
}

/// Durations as written in the configuration and on the command line: `90m`, `2h`,
/// `1h30m`, `45s`, `1d`, `7d` — whole numbers with units d, h, m, s, largest first.
public enum DurationText {
    /// The longest duration accepted: 100 years.
    public static let maxSeconds: TimeInterval = 36_500 * 86_400

    /// Parses a positive duration to seconds.
    public static func parse(_ text: String) throws(DurationError) -> TimeInterval {
        let trimmed =
            CronExpression.hasGraphicASCIIEnds(text) ? text : text.trimmingCharacters(in: .whitespaces)
        func fail(_ reason: String) -> DurationError { DurationError(text: text, reason: reason) }
        if trimmed.isEmpty { throw fail("is empty; write e.g. 90m, 2h or 1h30m") }
        if trimmed.hasPrefix("-") { throw fail("is negative; durations must be positive") }
        let units: [Character: (rank: Int, seconds: Double)] = [
            "d": (0, 86_400), "h": (1, 3600), "m": (2, 60), "s": (3, 1),
        ]
        var total = 0.0
        var number = ""
        var lastRank = -1
        for ch in trimmed {
            if ch.isASCII && ch.isNumber {
                number.append(ch)
                continue
            }
            if ch == "." || ch == "," { throw fail("has a fraction; use smaller units, e.g. 1h30m") }
            guard let unit = units[ch] else {
                throw fail("has unknown unit \"\(ch)\"; use d, h, m or s (e.g. 90m, 2h, 1h30m)")
            }
            guard !number.isEmpty else { throw fail("has no number before \"\(ch)\"; write e.g. 2h") }
            guard unit.rank > lastRank else {
                throw fail("repeats or misorders units; write them largest first, e.g. 1h30m")
            }
            guard let value = Double(number), number.count <= 12 else { throw fail("is too large") }
            total += value * unit.seconds
            lastRank = unit.rank
            number = ""
        }
        if !number.isEmpty { throw fail("has no unit after \"\(number)\"; write e.g. \(number)m or \(number)h") }
        if total <= 0 { throw fail("is zero; durations must be positive") }
        // Longer would put ends past year 9999 and out of what `format` writes back (found by fuzzing).
        if total > maxSeconds { throw fail("is too large; at most 36500d (100 years)") }
        return total
    }

    /// Formats seconds as `1h30m`, `2h`, `45s`; whole multiples of a day from two days up as `2d`, `7d`.
    public static func format(_ seconds: TimeInterval) -> String {
        var rest = Int64(seconds.rounded())
        if rest <= 0 { return "0s" }
        if rest >= 2 * 86_400 && rest % 86_400 == 0 { return "\(rest / 86_400)d" }
        var text = ""
        let hours = rest / 3600
        rest %= 3600
        if hours > 0 { text += "\(hours)h" }
        if rest / 60 > 0 { text += "\(rest / 60)m" }
        if rest % 60 > 0 { text += "\(rest % 60)s" }
        return text
    }
}
