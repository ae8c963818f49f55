import Foundation
import SyncwindowTestSupport
import Testing

/// `syncwindow plan` (the built binary) against cronsim, the reference (docs/configuration.md, "Time semantics") for cron and
/// DST semantics: random windows in DST-heavy zones, a whole year, occurrence for occurrence.
@Suite("plan agrees with cronsim")
struct PlanAgainstCronsimTests {
    static let zones = [
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "America/Havana",
        "Asia/Shanghai", "Pacific/Chatham", "Europe/London", "America/Sao_Paulo", "Asia/Tehran",
    ]

    /// Cron expressions with a bounded number of starts a year (so the comparison stays fast),
    /// covering names, ranges, steps, lists, L, nL, #n and the day-of-month/day-of-week OR rule.
    static func randomCron(_ random: inout SplitMix64) -> String {
        func pick<T>(_ options: [T]) -> T { options[Int(random.next() % UInt64(options.count))] }
        let minute = pick(["0", "30", "15,45", "*/30", "5-10/5", "59", "1"])
        let hour = pick(["0", "1", "2", "3", "2,3", "1-3", "*/6", "23", "0-4/2", "12"])
        let dayOfMonth = pick(["*", "*", "*", "1", "15", "L", "1-7", "29-31", "*/10", "31"])
        let month = pick(["*", "*", "*", "MAR", "oct-dec", "1,4,10", "*/3", "3-4"])
        let dayOfWeek = pick(["*", "*", "*", "mon-fri", "SUN", "5L", "2#2", "0,6", "7", "1#1", "sat"])
        return "\(minute) \(hour) \(dayOfMonth) \(month) \(dayOfWeek)"
    }

    @Test("random windows over a year, occurrence for occurrence")
    func planMatchesCronsim() throws {
        let seed = SplitMix64.testSeed(default: 20_261_201)
        var random = SplitMix64(seed: seed)
        var windows: [(name: String, cron: String, zone: String)] = []
        for index in 0..<40 {
            windows.append(("w\(index)", Self.randomCron(&random), Self.zones[index % Self.zones.count]))
        }
        let file =
            "windows:\n"
            + windows.map { window in
                "  - name: \(window.name)\n    cron: \"\(window.cron)\"\n    timezone: \(window.zone)\n    duration: 1m\n    pairs: [orders]\n"
            }.joined()
        let fixture = try ConfigFixture(windows: ["random.yaml": file])
        defer { fixture.directory.remove() }

        let from = "2026-01-01T00:00:30Z", to = "2027-01-01T00:00:30Z"
        let result = try BinaryRunner.run(
            "syncwindow",
            [
                "plan", "--config", fixture.configPath, "--pair", "orders", "--from", from, "--to", to, "--format",
                "json",
            ])
        try #require(result.status == 0, "seed \(seed): \(result.stderr)")
        struct Plan: Decodable {
            struct Row: Decodable { var window, start: String }
            var occurrences: [Row]
        }
        let plan = try JSONDecoder().decode(Plan.self, from: Data(result.stdout.utf8))
        var ours: [String: [Date]] = [:]
        let parser = ISO8601DateFormatter()
        for row in plan.occurrences { ours[row.window, default: []].append(parser.date(from: row.start)!) }

        let requests = windows.map { ["cron": $0.cron, "tz": $0.zone, "from": from, "to": to] }
        let answers = try CronsimReference.starts(for: requests)
        var compared = 0
        for (window, answer) in zip(windows, answers) {
            let expected = answer.map { parser.date(from: $0)! }
            #expect(ours[window.name, default: []] == expected, "seed \(seed): \(window.cron) in \(window.zone)")
            compared += expected.count
        }
        #expect(compared > 1000, "the sample should be meaningful (seed \(seed))")
    }
}

/// Runs `scripts/cronsim_reference.py` with the venv's Python (`SYNCWINDOW_PYTHON`, which `make test` sets).
enum CronsimReference {
    static func starts(for requests: [[String: String]]) throws -> [[String]] {
        let root = BinaryRunner.repositoryRoot()
        let python =
            ProcessInfo.processInfo.environment["SYNCWINDOW_PYTHON"]
            ?? root.appendingPathComponent(".venv/bin/python3").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ReferenceUnavailable(message: "no Python with cronsim at \(python): run `make venv` (make test does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("scripts/cronsim_reference.py").path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: requests))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let answers = try JSONSerialization.jsonObject(with: data) as? [Any]
        else {
            throw ReferenceUnavailable(message: "cronsim_reference.py failed (status \(process.terminationStatus))")
        }
        return try answers.map { answer in
            guard let starts = answer as? [String] else {
                throw ReferenceUnavailable(message: "cronsim refused an expression: \(answer)")
            }
            return starts
        }
    }

    struct ReferenceUnavailable: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
