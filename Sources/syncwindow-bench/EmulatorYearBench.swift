import Foundation
import GeminiDBAPI
import GeminiDBEmulator
import Logging
import Synchronization

/// A year of nights served by one emulator engine: does a request on the last night cost what it cost on the
/// first? Each night every pair is paused at its window's open and resumed at its close, as `tick` does it (read
/// both statuses, POST both, follow both jobs by id, read both statuses again), one jobs-list search by name and
/// time span per project and edge (two pages for 200 pairs), and one idle pass at noon. The requests go through
/// `EmulatorEngine.respond(to:)`, the server's handler minus the socket (token auth, routing, JSON), on a clock
/// the bench moves, so a year takes seconds, not a year. Prints µs per request for sampled nights and the ratio
/// of the last week to the first.
enum EmulatorYearBench {
    struct Options {
        var pairs = 200
        var nights = 365
    }

    /// A wall clock the bench moves by hand.
    final class BenchNow: Sendable {
        private let date: Mutex<Date>
        init(_ start: Date) { date = Mutex(start) }
        func set(_ value: Date) { date.withLock { $0 = value } }
        var now: @Sendable () -> Date { { [self] in date.withLock { $0 } } }
    }

    static let token = "bench-static-token"
    static let primaryProject = "p1bench"
    static let standbyProject = "p3bench"

    static func run(_ options: Options) async throws {
        // 2026-01-01T01:30:00+08:00, a nightly window's open.
        let firstNight = Date(timeIntervalSince1970: 1_767_202_200)
        let clock = BenchNow(firstNight)
        let pairs = (1...options.pairs).map { index in
            let suffix = String(format: "%04d", index)
            return EmulatorPair(
                name: "pair-\(suffix)",
                primary: InstanceRef(
                    region: "ap-southeast-1", projectID: primaryProject, instanceID: "primary-\(suffix)-in12"),
                standby: InstanceRef(
                    region: "ap-southeast-3", projectID: standbyProject, instanceID: "standby-\(suffix)-in12"))
        }
        let engine = try EmulatorEngine(
            configuration: EmulatorConfiguration(
                pairs: pairs, auth: .token(Secret(token)),
                faults: EmulatorFaults(jobDelayMilliseconds: 1_000), seed: 42, now: clock.now),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let samples: Set<Int> = [1, 2, 7, 30, 60, 90, 120, 180, 240, 300, options.nights]
        print(
            "emulator, one process, \(options.pairs) pairs, \(options.nights) nights (pause at open, resume at close)")
        print(pad("night", 8) + lpad("requests", 10) + lpad("jobs so far", 13) + lpad("µs/request", 12))
        var perNight: [Double] = []
        let wall = ContinuousClock()
        for night in 1...options.nights {
            let open = firstNight.addingTimeInterval(Double(night - 1) * 86_400)
            let began = wall.now
            var requests = 0
            requests += try await edge(.pause, at: open, pairs: pairs, engine: engine, clock: clock)
            requests += try await edge(
                .resume, at: open.addingTimeInterval(7_200), pairs: pairs, engine: engine, clock: clock)
            clock.set(open.addingTimeInterval(10 * 3_600))
            for pair in pairs {
                for ref in [pair.primary, pair.standby] {
                    _ = try await call(engine, "GET", dataSyncPath(ref), expect: 200)
                    requests += 1
                }
            }
            let micros = (wall.now - began).seconds * 1e6 / Double(requests)
            perNight.append(micros)
            if samples.contains(night) {
                let held = night * options.pairs * 4
                print(
                    pad(String(night), 8) + lpad(String(requests), 10) + lpad(String(held), 13)
                        + lpad(String(format: "%.1f", micros), 12))
            }
        }
        let week = min(7, perNight.count)
        let first = perNight.prefix(week).reduce(0, +) / Double(week)
        let last = perNight.suffix(week).reduce(0, +) / Double(week)
        print(
            "first \(week) nights \(String(format: "%.1f", first)) µs/request, last \(week) nights "
                + "\(String(format: "%.1f", last)) µs/request: last/first \(String(format: "%.2f", last / first))")
    }

    /// One window edge: read, POST and follow both instances of every pair, then a span search per project.
    static func edge(
        _ action: SyncAction, at instant: Date, pairs: [EmulatorPair], engine: EmulatorEngine, clock: BenchNow
    ) async throws -> Int {
        var requests = 0
        clock.set(instant)
        var jobIDs: [(InstanceRef, String)] = []
        for pair in pairs {
            for ref in [pair.primary, pair.standby] {
                _ = try await call(engine, "GET", dataSyncPath(ref), expect: 200)
            }
            for ref in [pair.primary, pair.standby] {
                let body = try await call(
                    engine, "POST", dataSyncPath(ref), body: #"{"action":"\#(action.rawValue)"}"#, expect: 202)
                jobIDs.append((ref, try JSONDecoder().decode(JobIDResponse.self, from: Data(body)).jobID))
            }
            requests += 4
        }
        clock.set(instant.addingTimeInterval(2))
        for (ref, id) in jobIDs {
            _ = try await call(engine, "GET", "/v3/\(ref.projectID)/jobs?id=\(id)", expect: 200)
            requests += 1
        }
        for pair in pairs {
            for ref in [pair.primary, pair.standby] {
                _ = try await call(engine, "GET", dataSyncPath(ref), expect: 200)
                requests += 1
            }
        }
        let query = JobQuery(
            name: JobQuery.jobName(for: action), startTime: instant.addingTimeInterval(-600),
            endTime: instant.addingTimeInterval(600))
        for project in [primaryProject, standbyProject] {
            var offset = 0
            while true {
                let target =
                    "/v3/\(project)/jobs?"
                    + AKSKSigner.canonicalQueryString(query.items(offset: offset, limit: 100))
                let page = try JSONDecoder().decode(
                    JobListResponse.self, from: Data(try await call(engine, "GET", target, expect: 200)))
                requests += 1
                offset += page.jobs.count
                if page.jobs.count < 100 { break }
            }
        }
        return requests
    }

    static func dataSyncPath(_ ref: InstanceRef) -> String {
        "/v3/\(ref.projectID)/instances/\(ref.instanceID)/disaster-recovery/data-synchronization"
    }

    struct UnexpectedAnswer: Error, CustomStringConvertible {
        var description: String
    }

    static func call(
        _ engine: EmulatorEngine, _ method: String, _ target: String, body: String = "", expect: Int
    ) async throws -> [UInt8] {
        let request = EmulatorRequest(
            method: method, target: target,
            headers: ["x-auth-token": token, "host": "127.0.0.1", "content-type": "application/json"],
            body: Array(body.utf8))
        let response = await engine.respond(to: request)
        guard response.status == expect else {
            throw UnexpectedAnswer(
                description:
                    "\(method) \(target): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return response.body
    }
}
