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
        try await mappingErrors { try await write(observation, pair: pair) }
    }

    private func write(_ observation: LiveObservation, pair: String) async throws {
        try await writes.write { db in
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
        try await mappingErrors { try await database.read(Self.observations) }
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

/// How a pair's last (non-dry) pass ended: `problem` nil when it reached its desired state.
public struct PassOutcome: Sendable, Equatable {
    public var at: Date
    public var problem: String?

    public init(at: Date, problem: String?) {
        self.at = at
        self.problem = problem
    }
}

extension AuditStore {
    public func recordPassOutcome(pair: String, _ outcome: PassOutcome) async throws {
        try await mappingErrors {
            try await writes.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO pass_outcome (pair, at, problem) VALUES (?, ?, ?)
                        ON CONFLICT(pair) DO UPDATE SET at = excluded.at, problem = excluded.problem
                        """,
                    arguments: [pair, AuditTimestamp.string(outcome.at), outcome.problem])
            }
        }
    }

    public func passOutcomes() async throws -> [String: PassOutcome] {
        try await mappingErrors { try await database.read(Self.passOutcomes) }
    }

    private static func passOutcomes(_ db: Database) throws -> [String: PassOutcome] {
        var result: [String: PassOutcome] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM pass_outcome") {
            let at: String = row["at"]
            result[row["pair"]] = PassOutcome(
                at: AuditTimestamp.date(at) ?? Date(timeIntervalSince1970: 0), problem: row["problem"])
        }
        return result
    }
}
