import Foundation
import SyncwindowSchedule

/// A report's instants as RFC 3339 text, through a writer made once per zone: a year's HTML page writes a few
/// hundred thousand of them, and `RFC3339.format` looks its zone up for each.
struct ReportInstants: Sendable {
    let zone: TimeZone
    private let writer: RFC3339.Writer

    init(zone: TimeZone) {
        self.zone = zone
        writer = RFC3339.Writer(zone: zone)
    }

    static let utc = ReportInstants(zone: .gmt)

    /// `RFC3339.format(date, in: zone)`.
    func text(_ date: Date) -> String {
        var writer = writer
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        writer.append(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
