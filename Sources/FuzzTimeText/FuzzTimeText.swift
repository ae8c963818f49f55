import Foundation
import FuzzSupport
import SyncwindowSchedule

/// libFuzzer target: the time texts of the configuration and the command line. Input: one byte
/// picks a zone, the rest is the text, tried as a duration, an RFC 3339 instant and a local date.
/// Whatever parses must format and parse back to the same value.
enum FuzzTimeText {
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let zone = input.pick(FuzzZones.all)
        let text = input.restAsText()

        if let seconds = try? DurationText.parse(text) {
            let formatted = DurationText.format(seconds)
            let again = try? DurationText.parse(formatted)
            precondition(
                again == seconds, "duration \(text) -> \(seconds) -> \(formatted) -> \(String(describing: again))")
        }

        if let instant = RFC3339.parse(text) {
            let formatted = RFC3339.format(instant, in: zone)
            guard let again = RFC3339.parse(formatted) else {
                preconditionFailure("RFC 3339 \(text) -> \(formatted) in \(zone.identifier) does not parse")
            }
            // `format` keeps milliseconds; finer fractions round. Far from 1970 a Double's seconds
            // hold fewer fractional digits (about 15 µs in year 6304): allow a few of its units.
            let precision = max(1e-6, 4 * instant.timeIntervalSince1970.magnitude.ulp)
            precondition(
                abs(again.timeIntervalSince(instant)) <= 0.000_5 + precision,
                "RFC 3339 \(text) -> \(formatted) in \(zone.identifier) -> \(again), not \(instant)")
            _ = LocalDate(containing: instant, in: zone)
        }

        if let date = LocalDate.parse(text) {
            precondition(date.description == text, "local date \(text) -> \(date)")
            _ = date.startInstant(in: zone)
            _ = date.adding(days: 1)
        }
    }
}

@main
enum FuzzTimeTextMain {
    static func main() { FuzzMain.run(name: "FuzzTimeText", body: FuzzTimeText.run) }
}
