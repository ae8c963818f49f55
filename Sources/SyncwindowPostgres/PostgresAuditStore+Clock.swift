import Foundation
import PostgresNIO
import SyncwindowAudit

extension PostgresAuditStore {
    /// The database setting that marks a throwaway store for rehearsals and tests
    /// (`ALTER DATABASE … SET syncwindow.rehearsal = on`, which only the database's owner can
    /// run): there, a pass's `--at` stands for the store's clock.
    public static let rehearsalSetting = "syncwindow.rehearsal"

    /// The store's clock (`clock_timestamp()`), with `hostClock` read just before the question
    /// was sent and just after the answer came, and whether this is a rehearsal store. Asked
    /// twice on one connection, keeping the shorter round trip: the first may include setting
    /// the connection up, which would only widen the uncertainty.
    public func readClock(hostClock: @escaping @Sendable () -> Date) async throws
        -> (storeNow: Date, sentAt: Date, answeredAt: Date, rehearsal: Bool)
    {
        let logger = backend.logger
        return try await backend.withConnection { connection in
            var best: (storeNow: Date, sentAt: Date, answeredAt: Date, rehearsal: Bool)?
            for _ in 0..<2 {
                let sentAt = hostClock()
                let row = try await connection.query(
                    """
                    SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8,
                           coalesce(current_setting(\(Self.rehearsalSetting), true), '')
                    """, logger: logger
                ).collect().first
                let answeredAt = hostClock()
                guard let (epoch, rehearsal) = try row?.decode((Double, String).self) else { continue }
                let reading = (
                    storeNow: Date(timeIntervalSince1970: epoch), sentAt: sentAt, answeredAt: answeredAt,
                    rehearsal: ["on", "true", "1", "yes"].contains(rehearsal.lowercased())
                )
                if let current = best,
                    current.answeredAt.timeIntervalSince(current.sentAt) <= answeredAt.timeIntervalSince(sentAt)
                {
                    continue
                }
                best = reading
            }
            guard let best else {
                throw AuditStoreError.unavailable(path: self.location, reason: "the store did not say what time it is")
            }
            return best
        }
    }
}
