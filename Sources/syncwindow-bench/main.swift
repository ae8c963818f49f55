import Foundation

// The project's benchmarks, one executable (README "Benchmarks"):
//   syncwindow-bench                  the schedule engine: occurrences per second over a year (make bench)
//   syncwindow-bench --list           that bench's cases as JSON, for scripts/bench_cronsim.py
//   syncwindow-bench emulator-year [--pairs N] [--nights N]
//                                     a year of nights through one emulator engine, µs per request (make bench-emulator)
//   syncwindow-bench audit-trail --state DIR [--pairs N] [--nights N] [--batch N]
//                                     a year's audit trail through AuditStore.append (make bench-audit)

/// The value after `flag` in the arguments, as an integer.
func intOption(_ flag: String, in arguments: [String]) -> Int? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return Int(arguments[index + 1])
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "--list":
    try ScheduleBench.list()
case "emulator-year":
    var options = EmulatorYearBench.Options()
    options.pairs = intOption("--pairs", in: arguments) ?? options.pairs
    options.nights = intOption("--nights", in: arguments) ?? options.nights
    try await EmulatorYearBench.run(options)
case "audit-trail":
    var options = AuditTrailGenerator.Options()
    if let index = arguments.firstIndex(of: "--state"), index + 1 < arguments.count {
        options.stateDirectory = arguments[index + 1]
    }
    options.pairs = intOption("--pairs", in: arguments) ?? options.pairs
    options.nights = intOption("--nights", in: arguments) ?? options.nights
    options.batch = intOption("--batch", in: arguments) ?? options.batch
    func refuse(_ message: String) -> Never {
        FileHandle.standardError.write(Data("syncwindow-bench: \(message)\n".utf8))
        exit(2)
    }
    if options.stateDirectory.isEmpty { refuse("audit-trail needs --state DIR") }
    // A second year appended to a first overlaps it night for night: refuse rather than double the trail.
    if FileManager.default.fileExists(atPath: options.stateDirectory + "/audit.sqlite") {
        refuse("\(options.stateDirectory) already holds a trail; give an empty directory")
    }
    try await AuditTrailGenerator.run(options)
case nil:
    try ScheduleBench.run()
case let other?:
    FileHandle.standardError.write(Data("syncwindow-bench: unknown benchmark \(other)\n".utf8))
    exit(2)
}
