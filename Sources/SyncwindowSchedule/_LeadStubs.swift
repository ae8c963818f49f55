// TEMPORARY: stand-ins until the schedule engine branch lands. Delete on merge.
import Foundation
public struct DurationError: Error, CustomStringConvertible { public var description: String }
public enum DurationText {
    public static func parse(_ text: String) throws(DurationError) -> TimeInterval {
        var total = 0.0, number = ""
        for c in text {
            if c.isNumber { number.append(c); continue }
            guard let n = Double(number) else { throw DurationError(description: "bad duration \(text)") }
            switch c { case "d": total += n * 86400; case "h": total += n * 3600; case "m": total += n * 60; case "s": total += n
            default: throw DurationError(description: "bad duration \(text)") }
            number = ""
        }
        guard number.isEmpty, total > 0 else { throw DurationError(description: "bad duration \(text)") }
        return total
    }
    public static func format(_ seconds: TimeInterval) -> String { "\(Int(seconds))s" }
}
extension LocalDate {
    public static func parse(_ text: String) -> LocalDate? {
        let p = text.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        return LocalDate(year: p[0], month: p[1], day: p[2])
    }
}
public struct Occurrence: Sendable, Equatable, Hashable { public var window: String; public var start: Date; public var end: Date }
public struct Schedule: Sendable {
    public var windows: [Window]
    public init(windows: [Window]) { self.windows = windows }
    public func windows(forPair pair: String) -> [Window] { windows.filter { $0.pairs.includes(pair) } }
    public func occurrences(forPair pair: String, startingFrom from: Date, before to: Date) -> [Occurrence] { [] }
    public func occurrences(forPair pair: String, startingFrom from: Date, count: Int) -> [Occurrence] { [] }
    public func openOccurrences(forPair pair: String, at instant: Date) -> [Occurrence] { [] }
    public func mergedInterval(forPair pair: String, at instant: Date) -> DateInterval? { nil }
    public func nextEdge(after instant: Date, horizon: TimeInterval) -> Date? { nil }
}
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }
    public static func format(_ date: Date, in zone: TimeZone) -> String { let f = ISO8601DateFormatter(); f.timeZone = zone; return f.string(from: date) }
}
extension Window {
    public func occurrences(startingFrom from: Date, before to: Date) -> [Occurrence] { [] }
    public func occurrences(openAt instant: Date) -> [Occurrence] { [] }
}
