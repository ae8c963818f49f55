import Foundation
import FuzzSupport
import SyncwindowSchedule

/// libFuzzer target: the cron parser and evaluator. Input: one byte picks a zone, four bytes
/// an instant, the rest is the expression. Anything that parses must evaluate for a year
/// without trapping, and its starts must come strictly after the instant, in order.
enum FuzzCron {
    static let year: TimeInterval = 366 * 86_400
    /// Enough starts to cover a year of anything but every-minute expressions, which would
    /// otherwise spend half a million steps on one input.
    static let maxStarts = 2_000

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let zone = input.pick(FuzzZones.all)
        // 1970 ... 2106, in whole seconds.
        let start = Date(timeIntervalSince1970: TimeInterval(input.integer(bytes: 4)))
        let text = input.restAsText()
        guard let cron = try? CronExpression.parse(text) else { return }

        var previous = start
        var count = 0
        while count < maxStarts, let next = cron.nextStart(after: previous, in: zone) {
            precondition(next > previous, "\(text) in \(zone.identifier): \(next) not after \(previous)")
            if next.timeIntervalSince(start) > year { break }
            previous = next
            count += 1
        }
        let window = Window(name: "fuzz", cron: cron, timeZone: zone, duration: 3600, pairs: .all)
        let occurrences = window.occurrences(startingFrom: start, count: 50)
        for (earlier, later) in zip(occurrences, occurrences.dropFirst()) {
            precondition(earlier.start < later.start, "\(text) in \(zone.identifier): occurrences out of order")
        }
        _ = window.occurrences(openAt: previous)
    }
}

@main
enum FuzzCronMain {
    static func main() { FuzzMain.run(name: "FuzzCron", body: FuzzCron.run) }
}
