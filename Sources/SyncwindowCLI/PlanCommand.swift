import ArgumentParser
import Foundation
import SyncwindowConfig
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
        var rows: [PlanRow] = []
        for pairName in pairs {
            let occurrences: [Occurrence]
            if let to {
                let end = try Arguments.instant(to, option: "--to", default: now)
                guard end > start else { throw CLIFailure("--to must be after --from") }
                occurrences = schedule.occurrences(forPair: pairName, startingFrom: start, before: end)
            } else {
                occurrences = schedule.occurrences(forPair: pairName, startingFrom: start, count: count ?? 10)
            }
            rows += occurrences.map { PlanRow(pair: pairName, occurrence: $0) }
        }
        rows.sort {
            ($0.occurrence.start, $0.pair, $0.occurrence.window) < ($1.occurrence.start, $1.pair, $1.occurrence.window)
        }
        let zones = Dictionary(config.windows.map { ($0.name, $0.timeZone) }, uniquingKeysWith: { first, _ in first })
        switch format {
        case .json:
            let occurrences = rows.map { row in
                let zone = zones[row.occurrence.window] ?? .gmt
                return JSONValue.object([
                    ("pair", .string(row.pair)), ("window", .string(row.occurrence.window)),
                    ("start", .string(RFC3339.format(row.occurrence.start, in: zone))),
                    ("end", .string(RFC3339.format(row.occurrence.end, in: zone))),
                ])
            }
            print(JSONValue.object([("occurrences", .array(occurrences))]).rendered())
        case .ics:
            print(
                PlanICS.render(rows.map { ($0.pair, $0.occurrence) }, windows: config.windows, stamp: now),
                terminator: "")
        case .table:
            var table = TextTable(columns: ["PAIR", "WINDOW", "START", "END", "ZONE"])
            for row in rows {
                let zone = zones[row.occurrence.window] ?? .gmt
                table.add([
                    row.pair, row.occurrence.window, RFC3339.format(row.occurrence.start, in: zone),
                    // Foundation names UTC "GMT"; say what the config says.
                    RFC3339.format(row.occurrence.end, in: zone), zone.identifier == "GMT" ? "UTC" : zone.identifier,
                ])
            }
            print(table.rendered(empty: "no window occurrences in the period"), terminator: "")
        }
    }

    private func selectedPairs(_ config: SyncwindowConfiguration) throws -> [String] {
        guard let pair else { return config.pairs.map(\.name) }
        guard config.pair(named: pair) != nil else {
            throw CLIFailure("unknown pair '\(pair)'; configured: \(config.pairs.map(\.name).joined(separator: ", "))")
        }
        return [pair]
    }

    private struct PlanRow {
        var pair: String
        var occurrence: Occurrence
    }
}

/// `--format` of `plan`.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, ics
}
