import Foundation
import SyncwindowTestSupport
import Testing

/// Shared steps of the reconciler-defect end-to-end suites: the built `syncwindow` against
/// the spawned emulator, read back through `status`, `audit` and the emulator's state.
extension TickEndToEndTests.Setup {
    static let ordersInstances = ["orders-primary-in12", "orders-standby-in12"]
    static let sessionsInstances = ["sessions-primary-in12", "sessions-standby-in12"]

    /// Runs `syncwindow ARGUMENTS --config <live config>`.
    func syncwindow(_ arguments: [String]) throws -> BinaryRunner.Result {
        try BinaryRunner.run("syncwindow", arguments + ["--config", config])
    }

    /// `status --format json` at `at`: the pairs array.
    func statusPairs(at: String) throws -> [[String: Any]] {
        let result = try syncwindow(["status", "--at", at, "--format", "json"])
        #expect(result.status == 0, "status: \(result.stderr)")
        return try #require(try jsonObject(result.stdout)["pairs"] as? [[String: Any]], "\(result.stdout)")
    }

    /// One pair's entry of `status --format json`, or nil when status does not list it.
    func statusEntry(_ pair: String, at: String) throws -> [String: Any]? {
        try statusPairs(at: at).first { $0["pair"] as? String == pair }
    }

    /// Whether `status --format json` lists `pair`.
    func isListed(_ pair: String, at: String) throws -> Bool {
        try statusEntry(pair, at: at) != nil
    }

    /// Every audit event (`audit --format json`), oldest first; filtered here so a pair gone from
    /// the config still shows.
    func auditEvents(pair: String? = nil) throws -> [[String: Any]] {
        let result = try syncwindow(["audit", "--format", "json"])
        #expect(result.status == 0, "audit: \(result.stderr)")
        let events = try #require(try jsonObject(result.stdout)["events"] as? [[String: Any]], "\(result.stdout)")
        return events.filter { pair == nil || $0["pair"] as? String == pair }
    }

    /// The highest audit event id so far: a marker to look only at later events.
    func lastEventID() throws -> Int {
        Int(try sqlite("SELECT coalesce(max(id), 0) FROM event;")) ?? 0
    }

    /// The emulator's status of each of `instances`.
    func liveStatuses(_ instances: [String]) throws -> [String?] {
        let all = try emulator.instances()
        return instances.map { id in all.first { $0.instanceID == id }?.status }
    }
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
}

/// The event's id as an Int (JSON numbers arrive as NSNumber).
func eventID(_ event: [String: Any]) -> Int { event["id"] as? Int ?? (event["id"] as? NSNumber)?.intValue ?? 0 }

/// The text of a string field, "" when absent or null.
func text(_ event: [String: Any], _ key: String) -> String { event[key] as? String ?? "" }

/// The NOTE cell of `pair`'s row in the `status` table: NOTE is the last column, so it starts
/// where its header does.
func statusNote(_ table: String, pair: String) -> String? {
    let lines = table.split(separator: "\n").map(String.init)
    guard let header = lines.first(where: { $0.hasPrefix("PAIR ") }), let note = header.range(of: "NOTE") else {
        return nil
    }
    let offset = header.distance(from: header.startIndex, to: note.lowerBound)
    guard let row = lines.first(where: { $0.hasPrefix(pair + " ") }) else { return nil }
    return String(row.dropFirst(offset)).trimmingCharacters(in: .whitespaces)
}
