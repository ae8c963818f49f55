import Foundation

/// Typed helpers over the emulator's control API (`/_emulator/…`), for end-to-end tests
/// that force states, inject faults and read back what the cloud would report.
extension SpawnedEmulator {
    /// One instance as `GET /_emulator/state` shows it.
    public struct InstanceState: Decodable, Sendable {
        public var instanceID: String
        public var pair: String
        public var status: String

        enum CodingKeys: String, CodingKey {
            case instanceID = "instance_id"
            case pair, status
        }
    }

    /// Every served instance, as of now (due jobs finished first).
    public func instances() throws -> [InstanceState] {
        struct Snapshot: Decodable { var instances: [InstanceState] }
        return try JSONDecoder().decode(Snapshot.self, from: try control("GET", "state")).instances
    }

    /// The data-synchronization status of one instance, or nil if the emulator does not serve it.
    public func status(of instanceID: String) throws -> String? {
        try instances().first { $0.instanceID == instanceID }?.status
    }

    /// Forces an instance's status, as if someone acted on it by hand.
    public func force(_ instanceID: String, to status: String) throws {
        try control("PUT", "instances/\(instanceID)/status", body: #"{"status":"\#(status)"}"#)
    }

    /// Replaces the faults; `jobDelayMilliseconds` is kept explicit because a PUT resets every missing field.
    /// `loseNextCalls`: pause/resume calls answered 202 and then lost (no job, no change);
    /// `holdCallAnswersMilliseconds`: pause/resume calls carried out at once, their answer held back.
    public func setFaults(
        failNextJobs: Int = 0, jobDelayMilliseconds: Int = 0, loseNextCalls: Int = 0,
        holdCallAnswersMilliseconds: Int = 0
    ) throws {
        try control(
            "PUT", "faults",
            body: #"{"fail_next_jobs":\#(failNextJobs),"job_delay_ms":\#(jobDelayMilliseconds),"#
                + #""lose_next_calls":\#(loseNextCalls),"hold_call_answers_ms":\#(holdCallAnswersMilliseconds)}"#)
    }

    /// API requests the emulator has taken and not answered yet (`/_emulator/requests/in-flight`).
    public func requestsInFlight() throws -> Int {
        struct InFlight: Decodable {
            var inFlight: Int
            enum CodingKeys: String, CodingKey { case inFlight = "in_flight" }
        }
        return try JSONDecoder().decode(InFlight.self, from: try control("GET", "requests/in-flight")).inFlight
    }

    /// Waits until every request a (killed) client left behind has been carried out and
    /// answered, as the minute between two timer ticks would; false if that takes `timeout`.
    public func waitUntilNothingInFlight(timeout: TimeInterval = 10) throws -> Bool {
        try waitUntil(timeout: timeout, every: 0.02) { try requestsInFlight() == 0 }
    }

    /// How many requests the emulator has logged so far: a marker to look only at what comes after.
    public func requestCount() throws -> Int { try requests().count }

    /// POSTs (any answer) sent after `marker` to a path naming `instanceID`.
    public func posts(to instanceID: String, after marker: Int) throws -> [LoggedRequest] {
        try requests().dropFirst(marker).filter { $0.method == "POST" && $0.path.contains(instanceID) }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func waitUntil(
    timeout: TimeInterval = 30, every interval: TimeInterval = 0.1, _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        Thread.sleep(forTimeInterval: interval)
    }
}
