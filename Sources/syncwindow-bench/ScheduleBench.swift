import Foundation
import SyncwindowSchedule

/// Occurrences per second of the schedule engine over a year, for a fixed set of expressions and zones, and the
/// cost of "what is open now?" queries. `--list` prints the set as JSON; scripts/bench_cronsim.py times cronsim on
/// the same set.
enum ScheduleBench {
    static let cases: [(cron: String, zone: String)] = [
        ("30 1 * * *", "Asia/Shanghai"),
        ("30 2 * * *", "Europe/Berlin"),
        ("*/15 * * * *", "America/New_York"),
        ("0 * * * *", "Australia/Lord_Howe"),
        ("0 9-17/2 * * MON-FRI", "America/Santiago"),
        ("0 0 L * *", "America/Havana"),
        ("0 3 * * 5L", "Europe/London"),
        ("15 4 * * 2#2", "Pacific/Chatham"),
        ("*/5 1-3 * * *", "Europe/Berlin"),
        ("@hourly", "UTC"),
    ]
    static let from = "2026-01-01T00:00:00Z"
    static let to = "2027-01-01T00:00:00Z"

    static func list() throws {
        let list = cases.map { ["cron": $0.cron, "tz": $0.zone, "from": from, "to": to] }
        let data = try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    static func run() throws {
        let start = RFC3339.parse(from)!
        let end = RFC3339.parse(to)!
        print(
            pad("expression", 24) + pad("zone", 22) + lpad("per year", 10) + lpad("occurrences/s", 16)
                + lpad("ns/occ", 9) + lpad("openAt ns", 11))
        var totalOccurrences = 0
        var totalSeconds = 0.0
        for (text, zoneName) in cases {
            let cron = try CronExpression.parse(text)
            let zone = TimeZone(identifier: zoneName)!
            let perYear = cron.starts(after: start, before: end, in: zone).count
            let run = measure { cron.starts(after: start, before: end, in: zone).count }
            totalOccurrences += run.count
            totalSeconds += run.seconds

            let window = Window(name: "w", cron: cron, timeZone: zone, duration: 7200, pairs: .all)
            var generator = SystemRandomNumberGenerator()
            let instants = (0..<1000).map { _ in
                start + Double.random(in: 0..<(end.timeIntervalSince(start)), using: &generator)
            }
            let queries = measure {
                instants.reduce(0) { $0 + window.occurrences(openAt: $1).count } * 0 + instants.count
            }

            let rate = Double(run.count) / run.seconds
            print(
                pad(text, 24) + pad(zoneName, 22) + lpad(String(perYear), 10) + lpad(String(Int(rate)), 16)
                    + lpad(String(format: "%.0f", 1e9 / rate), 9)
                    + lpad(String(format: "%.0f", queries.seconds / Double(queries.count) * 1e9), 11))
        }
        print(pad("all", 56) + lpad(String(Int(Double(totalOccurrences) / totalSeconds)), 16))
    }

    /// Runs `body` for at least 300 ms; the sum of what it returned and the seconds it took.
    static func measure(_ body: () -> Int) -> (count: Int, seconds: Double) {
        var total = 0
        let clock = ContinuousClock()
        let began = clock.now
        var elapsed = Duration.zero
        repeat {
            total += body()
            elapsed = clock.now - began
        } while elapsed < .milliseconds(300)
        return (total, elapsed.seconds)
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func lpad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
