import Foundation
import SyncwindowTestSupport
import Testing

@testable import SyncwindowSchedule

/// Compares the engine with cronsim 2.8 (the reference for cron and DST semantics) on random
/// expressions covering every feature of the dialect, across DST-heavy zones, a year each.
/// The seed comes from the clock; replay a failure with `SYNCWINDOW_SEED=<seed>`.
@Suite struct CronDifferentialTests {
    static let zones = [
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "America/Havana",
        "Europe/London", "Pacific/Chatham", "America/St_Johns", "Antarctica/Troll", "Asia/Kolkata",
        "Australia/Sydney", "Pacific/Auckland", "America/Asuncion", "Asia/Gaza", "UTC",
    ]

    struct Request: Encodable {
        var cron: String
        var tz: String
        var from: String
        var to: String
    }

    enum Answer: Decodable {
        case starts([String])
        case error(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                self = .starts(list)
            } else {
                struct Failure: Decodable { var error: String }
                self = .error(try container.decode(Failure.self).error)
            }
        }
    }

    @Test func randomExpressionsMatchCronsimOverAYearInDSTHeavyZones() throws {
        let seed = SplitMix64.testSeed(default: 20_261_129)
        var random = SplitMix64(seed: seed)
        let python = try #require(CronsimReference.python(), Comment(rawValue: CronsimReference.missingMessage))

        var requests: [Request] = []
        var ranges: [(Date, Date)] = []
        let count = ProcessInfo.processInfo.environment["SYNCWINDOW_DIFF_COUNT"].flatMap(Int.init) ?? 400
        for _ in 0..<count {
            let cron = CronGenerator.expression(using: &random)
            if ProcessInfo.processInfo.environment["SYNCWINDOW_DIFF_TRACE"] != nil { print("generated", cron) }
            let zone = Self.zones[Int(random.next() % UInt64(Self.zones.count))]
            let year = 2025 + Int(random.next() % 5)
            let yearStart = RFC3339.parse("\(year)-01-01T00:00:00Z")!
            let yearEnd = RFC3339.parse("\(year + 1)-01-01T00:00:00Z")!
            var slices = [(yearStart, yearEnd)]
            if CronGenerator.isDense(cron) {
                // Every-minute-ish expressions: the days around each offset change only.
                let table = ZoneTable.forZone(TimeZone(identifier: zone)!)
                slices = table.instants
                    .filter {
                        Double($0) > yearStart.timeIntervalSince1970 && Double($0) < yearEnd.timeIntervalSince1970
                    }
                    .map {
                        (
                            Date(timeIntervalSince1970: Double($0) - 86_400 * 1.5),
                            Date(timeIntervalSince1970: Double($0) + 86_400 * 1.5)
                        )
                    }
                if slices.isEmpty { slices = [(yearStart, yearStart + 3 * 86_400)] }
            }
            for (from, to) in slices {
                requests.append(
                    Request(
                        cron: cron, tz: zone, from: RFC3339.format(from, in: .gmt), to: RFC3339.format(to, in: .gmt)))
                ranges.append((from, to))
            }
        }

        if let dump = ProcessInfo.processInfo.environment["SYNCWINDOW_DIFF_DUMP"] {
            try JSONEncoder().encode(requests).write(to: URL(fileURLWithPath: dump))
        }
        print("cronsim differential: seed \(seed), asking cronsim about \(requests.count) ranges")
        let answers = try CronsimReference.run(python: python, requests: requests)
        #expect(answers.count == requests.count)
        var failures = 0
        var compared = 0
        var refused = 0
        var loops = 0
        for (index, request) in requests.enumerated() {
            let zone = TimeZone(identifier: request.tz)!
            if ProcessInfo.processInfo.environment["SYNCWINDOW_DIFF_TRACE"] != nil {
                Self.trace("evaluating \(request)")
            }
            let ours: Result<[String], CronError>
            do {
                let cron = try CronExpression.parse(request.cron)
                ours = .success(
                    cron.starts(after: ranges[index].0, before: ranges[index].1, in: zone)
                        .map { RFC3339.format($0, in: .gmt) })
            } catch {
                ours = .failure(error)
            }
            let agree: Bool
            switch (ours, answers[index]) {
            case (.success(let a), .starts(let b)):
                agree = a == b
                compared += b.count
            // We also refuse expressions that can never fire; cronsim accepts those and yields nothing.
            case (.failure, .starts(let b)): agree = b.isEmpty
            case (.failure, .error):
                agree = true
                refused += 1
            // cronsim 2.8 revisits the same minutes forever in a few overlaps (the reference script
            // stops it); there is no reference answer to compare with.
            case (.success, .error(let message)) where message.contains("went back"):
                agree = true
                loops += 1
            case (.success, .error): agree = false
            }
            if !agree {
                failures += 1
                if failures <= 5 {
                    let message =
                        "seed \(seed): \"\(request.cron)\" in \(request.tz) from \(request.from) to \(request.to): "
                        + "ours \(Self.describe(ours)) vs cronsim \(Self.describe(answers[index]))"
                    Issue.record(Comment(rawValue: message))
                }
            }
        }
        print(
            "cronsim differential: seed \(seed), \(requests.count) ranges, \(compared) starts compared, \(refused) refused by both, \(loops) where cronsim loops"
        )
        #expect(compared > 10_000, "the generator should exercise many starts")
        #expect(
            failures == 0,
            "seed \(seed): \(failures) of \(requests.count) ranges differ; replay with SYNCWINDOW_SEED=\(seed)")
    }

    static func trace(_ line: String) {
        guard let path = ProcessInfo.processInfo.environment["SYNCWINDOW_DIFF_TRACE"],
            let handle = FileHandle(forWritingAtPath: path)
        else { return }
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
        try? handle.close()
    }

    static func describe(_ result: Result<[String], CronError>) -> String {
        switch result {
        case .success(let list): return summarize(list)
        case .failure(let error): return "error \(error)"
        }
    }

    static func describe(_ answer: Answer) -> String {
        switch answer {
        case .starts(let list): return summarize(list)
        case .error(let message): return "error \(message)"
        }
    }

    static func summarize(_ list: [String]) -> String {
        "\(list.count) starts \(list.prefix(3))…"
    }
}

/// Random cron expressions using every feature: lists, ranges, steps, names, L, nL, n#k, macros.
enum CronGenerator {
    static let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
    static let macros = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]

    static func expression<R: RandomNumberGenerator>(using random: inout R) -> String {
        if Int.random(in: 0..<20, using: &random) == 0 { return macros.randomElement(using: &random)! }
        if Int.random(in: 0..<10, using: &random) == 0 { return malformed(using: &random) }
        let minute = field(0...59, names: nil, dense: Int.random(in: 0..<6, using: &random) == 0, using: &random)
        // Hours around midnight and the small hours, where offsets change, half of the time.
        let hour =
            Bool.random(using: &random)
            ? field(0...3, names: nil, dense: Int.random(in: 0..<3, using: &random) == 0, using: &random)
            : field(0...23, names: nil, dense: Int.random(in: 0..<3, using: &random) == 0, using: &random)
        var dom =
            Int.random(in: 0..<3, using: &random) == 0
            ? "*" : field(1...31, names: nil, dense: Int.random(in: 0..<2, using: &random) == 0, using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0: dom = "L"
        case 1: dom = "LW"
        case 2: dom = "\(Int.random(in: 1...28, using: &random)),L"
        default: break
        }
        let month = field(1...12, names: months, dense: Int.random(in: 0..<2, using: &random) == 0, using: &random)
        var dow =
            Int.random(in: 0..<3, using: &random) == 0
            ? "*" : field(0...7, names: days, dense: Int.random(in: 0..<2, using: &random) == 0, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0: dow = "\(Int.random(in: 0...7, using: &random))L"
        case 1: dow = "\(days.randomElement(using: &random)!)#\(Int.random(in: 1...5, using: &random))"
        case 2:
            dow =
                "\(Int.random(in: 1...5, using: &random))#\(Int.random(in: 1...5, using: &random)),\(Int.random(in: 0...7, using: &random))L"
        default: break
        }
        var text = [minute, hour, dom, month, dow].joined(separator: " ")
        if Bool.random(using: &random) { text = text.lowercased() }
        return text
    }

    /// A valid expression with one field replaced by something cronsim may refuse.
    static func malformed<R: RandomNumberGenerator>(using random: inout R) -> String {
        let bad = [
            ["60", "*/0", "5-3", "L", "1#2", "", "a", "-1", "1/", "*/x", "1,,2", "0-60", "5L", "?", "1-2-3", "*-5"],
            ["24", "23-1", "L", "*/0", "x", "1#1", "2L", "0-24", "/2", "1//2"],
            ["0", "32", "L/2", "LW", "1L", "W", "15W", "31-1", "L-2", "*/32", "0/5", "32/1", "?"],
            ["0", "13", "JANUARY", "DEC-JAN", "jan-mar", "L", "1#1", "*/13", "0-12"],
            [
                "8", "7-0", "SUNDAY", "L", "8L", "5L/2", "MONL", "1#0", "1#6", "MON#2", "7#5", "#2", "1#", "1-2#2",
                "sat-sun", "7/2", "*/8",
            ],
        ]
        var fields = ["0", "2", "*", "*", "*"]
        let index = Int.random(in: 0..<5, using: &random)
        fields[index] = bad[index].randomElement(using: &random)!
        if fields[index].isEmpty { fields.remove(at: index) }
        return fields.joined(separator: " ")
    }

    static func field<R: RandomNumberGenerator>(
        _ range: ClosedRange<Int>, names: [String]?, dense: Bool, using random: inout R
    ) -> String {
        func value() -> String {
            let v = Int.random(in: range, using: &random)
            if let names, Int.random(in: 0..<3, using: &random) == 0 {
                return names[(v - range.lowerBound) % names.count]
            }
            return String(v)
        }
        func span() -> String {
            let a = Int.random(in: range, using: &random)
            let b = Int.random(in: a...range.upperBound, using: &random)
            return "\(a)-\(b)"
        }
        let step = Int.random(in: 1...max(1, range.count / 2), using: &random)
        if dense {
            switch Int.random(in: 0..<5, using: &random) {
            case 0: return "*"
            case 1: return "*/\(step)"
            case 2: return "\(span())/\(step)"
            case 3: return "\(value())/\(step)"
            default: return span()
            }
        }
        switch Int.random(in: 0..<4, using: &random) {
        case 0, 1: return value()
        case 2: return (0..<Int.random(in: 2...3, using: &random)).map { _ in value() }.joined(separator: ",")
        default: return "\(value()),\(span())"
        }
    }

    /// Expressions that fire many times a day get short ranges around DST changes instead of a year.
    static func isDense(_ text: String) -> Bool {
        guard let cron = try? CronExpression.parse(text) else { return false }
        return cron.spec.minutes.nonzeroBitCount * cron.spec.hours.nonzeroBitCount > 12
    }
}

/// Runs `scripts/cronsim_reference.py` with the venv's Python.
enum CronsimReference {
    static let missingMessage =
        "cronsim is not available: run `make venv` (or set SYNCWINDOW_PYTHON to a python with cronsim 2.8)"

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A Python that can import cronsim, or nil.
    static func python() -> URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["SYNCWINDOW_PYTHON"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        candidates.append(repoRoot.appendingPathComponent(".venv/bin/python3"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            if let (status, _) = try? run(candidate, arguments: ["-c", "import cronsim"], input: Data()), status == 0 {
                return candidate
            }
        }
        return nil
    }

    static func run(python: URL, requests: [CronDifferentialTests.Request]) throws -> [CronDifferentialTests.Answer] {
        let script = repoRoot.appendingPathComponent("scripts/cronsim_reference.py").path
        let (status, output) = try run(python, arguments: [script], input: try JSONEncoder().encode(requests))
        guard status == 0 else { throw ReferenceFailure(status: status) }
        return try JSONDecoder().decode([CronDifferentialTests.Answer].self, from: output)
    }

    struct ReferenceFailure: Error { var status: Int32 }

    static func run(_ executable: URL, arguments: [String], input: Data) throws -> (Int32, Data) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        try process.run()
        // Write on another thread so a large answer cannot deadlock against a full stdin pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
