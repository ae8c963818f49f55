import Foundation
import GeminiDBAPI
import Logging
import SyncwindowTestSupport
import Testing

@testable import GeminiDBEmulator

/// The emulator keeps its answers while it indexes its history (jobs by id, running jobs by due time, each
/// project's jobs by start time, the request log in a ring, the state file as a journal): each is checked here
/// against the plain reading of the same history.
@Suite("GeminiDB emulator: indexed history")
struct EmulatorHistoryTests {
    typealias F = EmulatorFixtures
    static let start = Date(timeIntervalSince1970: 1_796_000_000)
    static let pairs = [F.pair, F.secondPair]
    static var refs: [InstanceRef] { pairs.flatMap { [$0.primary, $0.standby] } }

    static func engine(clock: ManualNow, stateFile: String? = nil) throws -> EmulatorEngine {
        try EmulatorEngine(
            configuration: EmulatorConfiguration(
                pairs: pairs, auth: F.tokenAuth, faults: EmulatorFaults(jobDelayMilliseconds: 0), seed: 7,
                stateFile: stateFile, now: clock.now),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func send(_ engine: EmulatorEngine, _ method: String, _ target: String, body: String = "") async
        -> EmulatorResponse
    {
        await engine.respond(
            to: EmulatorRequest(
                method: method, target: target, headers: ["x-auth-token": F.staticToken.exposedValue],
                body: Array(body.utf8)))
    }

    static func dataSyncPath(_ ref: InstanceRef) -> String {
        "/v3/\(ref.projectID)/instances/\(ref.instanceID)/disaster-recovery/data-synchronization"
    }

    /// What `GET /v3/{project}/jobs` must answer, read plainly from every job in creation order.
    static func expectedList(
        _ all: [EmulatorJobRecord], projectID: String, now: Date, items: [QueryItem]
    ) -> (ids: [String], total: Int) {
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        let start = value("start_time").flatMap(WireTime.parseJobTime)
        let end = value("end_time").flatMap(WireTime.parseJobTime)
        let matching = all.reversed().filter { job in
            job.projectID == projectID && job.visibleAt <= now && value("id").map { job.id == $0 } ?? true
                && value("status").map { job.status == $0 } ?? true && value("name").map { job.name == $0 } ?? true
                && start.map { job.createdAt >= $0 } ?? true && end.map { job.createdAt <= $0 } ?? true
        }
        let offset = Int(value("offset") ?? "0") ?? 0
        let limit = Int(value("limit") ?? "100") ?? 100
        return (matching.dropFirst(offset).prefix(limit).map(\.id), matching.count)
    }

    @Test("random calls, faults and a clock that sometimes goes back: the jobs list and job states match a plain scan")
    func randomHistoryMatchesPlainScan() async throws {
        // Given an engine whose job delay, visibility delay and failures change as it goes
        var random = SplitMix64(seed: SplitMix64.testSeed(default: 20_261_201))
        let clock = ManualNow(Self.start)
        let engine = try Self.engine(clock: clock)
        var knownIDs: [String] = []
        for step in 0..<1_500 {
            switch random.next() % 10 {
            case 0:
                // the clock moves, back now and then
                let milliseconds = Int(random.next() % 30_000) - (random.next() % 8 == 0 ? 20_000 : 0)
                clock.advance(by: Double(milliseconds) / 1000)
            case 1:
                await engine.setFaults(
                    EmulatorFaults(
                        jobFailureRate: Double(random.next() % 3) / 4,
                        jobDelayMilliseconds: Int(random.next() % 20_000),
                        jobVisibilityDelayMilliseconds: Int(random.next() % 3_000)))
            case 2:
                let ref = Self.refs[Int(random.next() % 4)]
                await engine.forceStatus(["SUSPENDED", "SYNCING"][Int(random.next() % 2)], instanceID: ref.instanceID)
            case 3, 4, 5:
                // when pauses and resumes are asked of random instances
                let ref = Self.refs[Int(random.next() % 4)]
                let action = random.next() % 2 == 0 ? "pause" : "resume"
                let response = await Self.send(
                    engine, "POST", Self.dataSyncPath(ref), body: #"{"action":"\#(action)"}"#)
                if response.status == 202 {
                    knownIDs.append(try JSONDecoder().decode(JobIDResponse.self, from: Data(response.body)).jobID)
                }
            default:
                // and the jobs list is searched by id, status, name, span and page
                let ref = Self.refs[Int(random.next() % 4)]
                var items: [QueryItem] = []
                if random.next() % 4 == 0, !knownIDs.isEmpty {
                    items.append(QueryItem("id", knownIDs[Int(random.next() % UInt64(knownIDs.count))]))
                }
                if random.next() % 3 == 0 {
                    items.append(QueryItem("status", ["Running", "Completed", "Failed"][Int(random.next() % 3)]))
                }
                if random.next() % 3 == 0 { items.append(QueryItem("name", JobQuery.jobName(for: .pause))) }
                let now = clock.now()
                let from = now.addingTimeInterval(-Double(random.next() % 600))
                if random.next() % 2 == 0 { items.append(QueryItem("start_time", WireTime.jobTime(from))) }
                if random.next() % 2 == 0 {
                    let to = from.addingTimeInterval(Double(1 + random.next() % 600))
                    items.append(QueryItem("end_time", WireTime.jobTime(to)))
                }
                items.append(QueryItem("offset", String(random.next() % 3)))
                items.append(QueryItem("limit", String(1 + random.next() % 8)))
                let response = await Self.send(
                    engine, "GET", "/v3/\(ref.projectID)/jobs?\(AKSKSigner.canonicalQueryString(items))")
                try #require(response.status == 200, "step \(step)")
                let answer = try JSONDecoder().decode(JobListResponse.self, from: Data(response.body))
                // then the answer is the plain scan's, newest first
                let all = await engine.state().jobs
                let expected = Self.expectedList(all, projectID: ref.projectID, now: now, items: items)
                #expect(answer.jobs.map(\.id) == expected.ids, "step \(step): \(items)")
                #expect(answer.totalCount == expected.total, "step \(step): \(items)")
                // and no job is left running past its time
                #expect(!all.contains { $0.status == "Running" && $0.completesAt <= now }, "step \(step)")
            }
        }
        #expect(knownIDs.count > 100)
    }

    @Test("job ids are version 4 UUIDs in lower case; request ids the same 32 digits without dashes")
    func identifiers() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let id = EmulatorEngine.randomHex(dashes: true)
            let uuid = UUID(uuidString: id)
            #expect(uuid?.uuidString.lowercased() == id)
            #expect(Array(id)[14] == "4" && "89ab".contains(Array(id)[19]))
            #expect(seen.insert(id).inserted)
            let requestID = EmulatorEngine.randomHex(dashes: false)
            #expect(requestID.count == 32 && requestID.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }

    @Test("the request log keeps the newest entries, oldest first, however many came before")
    func requestLogRing() {
        // Given a log of three
        var log = RequestLog(capacity: 3)
        func entry(_ number: Int) -> EmulatorRequestLogEntry {
            EmulatorRequestLogEntry(
                method: "GET", path: "/\(number)", query: nil, status: 200, auth: "token", time: Self.start,
                requestID: "\(number)", dropped: false)
        }
        // when seven requests are logged
        for number in 1...7 { log.append(entry(number)) }
        // then the last three remain in order
        #expect(log.entries.map(\.path) == ["/5", "/6", "/7"])
        log.removeAll()
        #expect(log.entries.isEmpty)
        log.append(entry(8))
        #expect(log.entries.map(\.path) == ["/8"])
    }

    @Test("the state file grows by one line per change, and a restart replays the lines to the same state")
    func stateJournal() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url("state.json").path
        let clock = ManualNow(Self.start)
        // Given an emulator with a state file, when a pause is made and later finishes and another is made
        let first = try Self.engine(clock: clock, stateFile: path)
        await first.setFaults(EmulatorFaults(jobDelayMilliseconds: 5_000))
        #expect(
            await Self.send(first, "POST", Self.dataSyncPath(F.primary), body: #"{"action":"pause"}"#).status == 202)
        clock.advance(by: 10)
        #expect(await Self.send(first, "GET", Self.dataSyncPath(F.primary)).status == 200)
        #expect(
            await Self.send(first, "POST", Self.dataSyncPath(F.standby), body: #"{"action":"pause"}"#).status == 202)
        // then the file has the whole state and one line for each later change
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        // and a restart sees what the first process saw
        let expected = await first.state()
        let second = try Self.engine(clock: clock, stateFile: path)
        #expect(await second.state() == expected)
        // and its first change writes the whole state again, as one line
        clock.advance(by: 10)
        #expect(await Self.send(second, "GET", Self.dataSyncPath(F.standby)).status == 200)
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 1)
        let reloaded = try Self.engine(clock: clock, stateFile: path)
        #expect(await reloaded.state() == second.state())
    }

    @Test("a torn last line of the state file is dropped; a file in the earlier one-document format still loads")
    func stateFileFormats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url("state.json").path
        let clock = ManualNow(Self.start)
        let first = try Self.engine(clock: clock, stateFile: path)
        #expect(
            await Self.send(first, "POST", Self.dataSyncPath(F.primary), body: #"{"action":"pause"}"#).status == 202)
        let expected = await first.state()
        // Given a journal whose last line was cut short
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"instances":[{"project_id":"#.utf8))
        try handle.close()
        // then it loads as it was before that line
        #expect(await (try Self.engine(clock: clock, stateFile: path)).state() == expected)

        // Given the earlier format: one pretty-printed document
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(expected).write(to: URL(fileURLWithPath: path))
        // then it loads too
        #expect(await (try Self.engine(clock: clock, stateFile: path)).state() == expected)
    }
}
