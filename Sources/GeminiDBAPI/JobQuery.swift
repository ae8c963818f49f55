import Foundation
import SyncwindowCivilTime

/// A search of `GET /v3/{project_id}/jobs` (SDK: `ListJobsRequest`): by name, status and the
/// span the jobs started in. The API allows at most 30 days between `startTime` and `endTime`.
public struct JobQuery: Sendable, Equatable {
    /// `PauseDataSynchronization` or `ResumeDataSynchronization` for the calls syncwindow makes.
    public var name: String?
    public var status: String?
    public var startTime: Date?
    public var endTime: Date?

    public static let maximumSpan: TimeInterval = 30 * 86_400

    public init(name: String? = nil, status: String? = nil, startTime: Date? = nil, endTime: Date? = nil) {
        self.name = name
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
    }

    /// The query items of one page.
    public func items(offset: Int, limit: Int) -> [QueryItem] {
        var items: [QueryItem] = []
        if let name { items.append(QueryItem("name", name)) }
        if let status { items.append(QueryItem("status", status)) }
        if let startTime { items.append(QueryItem("start_time", WireTime.jobTime(startTime))) }
        if let endTime { items.append(QueryItem("end_time", WireTime.jobTime(endTime))) }
        items.append(QueryItem("offset", String(offset)))
        items.append(QueryItem("limit", String(limit)))
        return items
    }

    /// The job name of a pause or resume call.
    public static func jobName(for action: SyncAction) -> String {
        action == .pause ? "PauseDataSynchronization" : "ResumeDataSynchronization"
    }
}

extension WireTime {
    /// Parses the jobs' time format, `2026-11-29T10:00:00+0800` (also `Z`, or `+08:00`).
    public static func parseJobTime(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let (days, secondOfDay) = scanner.dateTime(separators: "T") else { return nil }
        var offset = 0
        if !scanner.expect("Z") {
            let sign = scanner.peek == UInt8(ascii: "-") ? -1 : 1
            guard scanner.expect("+-"), let hours = scanner.digits(2) else { return nil }
            _ = scanner.expect(":")
            guard let minutes = scanner.digits(2), hours <= 23, minutes <= 59 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard scanner.isAtEnd else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + Int64(secondOfDay) - Int64(offset)))
    }
}
