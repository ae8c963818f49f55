import ArgumentParser
import Foundation
import SyncwindowConfig
import SyncwindowReport
import SyncwindowSchedule

/// `syncwindow plan`: the window occurrences per pair in a period.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "List window occurrences per pair that start in [from, to).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Act as if the wall clock read this RFC 3339 time.")
    var at: String?

    @Option(help: "Start of the period (RFC 3339; default: now).")
    var from: String?

    @Option(help: "End of the period, exclusive (RFC 3339).")
    var to: String?

    @Option(parsing: .unconditional, help: "The next N occurrences per pair (default 10 when --to is not given).")
    var count: Int?

    @Option(help: "Only this pair.")
    var pair: String?

    @Option(help: "table, json or ics (an RFC 5545 calendar to subscribe to).")
    var format: PlanFormat = .table

    func validate() throws {
        if to != nil && count != nil { throw ValidationError("give either --to or --count, not both") }
        if let count, !(1...100_000).contains(count) { throw ValidationError("--count must be from 1 to 100000") }
    }

    func run() async throws {
        let config = try options.load()
        let now = try Arguments.instant(at, option: "--at", default: SystemClock.now())
        let start = try Arguments.instant(from, option: "--from", default: now)
        let pairs = try selectedPairs(config)
        let schedule = Schedule(windows: config.windows)
        let rows: [PlanRow]
        if let to {
            let end = try Arguments.instant(to, option: "--to", default: now)
            guard end > start else { throw CLIFailure("--to must be after --from") }
            rows = schedule.plan(pairs: pairs, startingFrom: start, before: end)
        } else {
            rows = schedule.plan(pairs: pairs, startingFrom: start, count: count ?? 10)
        }
        let windows = schedule.windows
        switch format {
        case .json:
            fflush(nil)  // whatever `print` left in the C stdio buffer goes first
            try PlanJSON.write(rows, pairs: pairs, windows: windows, to: StandardOutput.writeAll)
        case .ics:
            let occurrences = rows.map { row in
                (pair: pairs[row.pair], occurrence: Self.occurrence(row, windows))
            }
            print(PlanICS.render(occurrences, windows: windows, stamp: now), terminator: "")
        case .table:
            var table = TextTable(columns: ["PAIR", "WINDOW", "START", "END", "ZONE"])
            var writers = windows.map { RFC3339.Writer(zone: $0.timeZone) }
            for row in rows {
                let window = windows[row.window]
                let occurrence = Self.occurrence(row, windows)
                let zone = window.timeZone
                table.add([
                    pairs[row.pair], window.name, writers[row.window].string(occurrence.start),
                    // Foundation names UTC "GMT"; say what the config says.
                    writers[row.window].string(occurrence.end), zone.identifier == "GMT" ? "UTC" : zone.identifier,
                ])
            }
            print(table.rendered(empty: "no window occurrences in the period"), terminator: "")
        }
    }

    static func occurrence(_ row: PlanRow, _ windows: [Window]) -> Occurrence {
        let start = Date(timeIntervalSince1970: Double(row.start))
        return Occurrence(window: windows[row.window].name, start: start, end: start + windows[row.window].duration)
    }

    private func selectedPairs(_ config: SyncwindowConfiguration) throws -> [String] {
        guard let pair else { return config.pairs.map(\.name) }
        guard config.pair(named: pair) != nil else {
            throw CLIFailure("unknown pair '\(pair)'; configured: \(config.pairs.map(\.name).joined(separator: ", "))")
        }
        return [pair]
    }
}

/// `--format` of `plan`.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, ics
}
