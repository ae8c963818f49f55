import Foundation
import GRDB

/// The last live sync status a pass saw for a pair (`nil` where it could not be read).
public struct LiveObservation: Sendable, Equatable {
    public var primary: String?
    public var standby: String?
    public var observedAt: Date

    public init(primary: String?, standby: String?, observedAt: Date) {
        self.primary = primary
        self.standby = standby
        self.observedAt = observedAt
    }
}

extension AuditStore {
    public func recordObservation(pair: String, _ observation: LiveObservation) async throws {
        try await mappingBusy { try await write(observation, pair: pair) }
    }

    private func write(_ observation: LiveObservation, pair: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO observation (pair, primary_status, standby_status, observed_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(pair) DO UPDATE SET primary_status = excluded.primary_status,
                        standby_status = excluded.standby_status, observed_at = excluded.observed_at
                    """,
                arguments: [
                    pair, observation.primary, observation.standby, AuditTimestamp.string(observation.observedAt),
                ])
        }
    }

    public func observations() async throws -> [String: LiveObservation] {
        try await mappingBusy { try await database.read(Self.observations) }
    }

    private static func observations(_ db: Database) throws -> [String: LiveObservation] {
        var result: [String: LiveObservation] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM observation") {
            let observedAt: String = row["observed_at"]
            result[row["pair"]] = LiveObservation(
                primary: row["primary_status"], standby: row["standby_status"],
                observedAt: AuditTimestamp.date(observedAt) ?? Date(timeIntervalSince1970: 0))
        }
        return result
    }
}
