import Foundation
import GRDB

/// The result of `audit verify`.
public enum AuditVerification: Sendable, Equatable {
    /// Every row links to the one before and its hash matches its content.
    case intact(count: Int, headHash: String)
    /// The first row that does not verify, and why.
    case broken(rowID: Int64, problem: String)
}

extension AuditStore {
    /// Recomputes the whole chain from the raw rows (not through `AuditEvent`, so that a
    /// value the decoder would normalise still counts as tampering).
    public func verify() async throws -> AuditVerification {
        try await mappingBusy { try await database.read(Self.verifyChain) }
    }

    private static func verifyChain(_ db: Database) throws -> AuditVerification {
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM event ORDER BY id")
        var expectedID: Int64 = 1
        var previousHash = AuditChain.genesis
        var count = 0
        while let row = try cursor.next() {
            let id: Int64 = row["id"]
            guard id == expectedID else {
                return .broken(
                    rowID: id, problem: "row \(expectedID) is missing (ids jump from \(expectedID - 1) to \(id))")
            }
            let storedPrevious: String = row["prev_hash"]
            guard storedPrevious == previousHash else {
                return .broken(rowID: id, problem: "it does not link to row \(id - 1) (rows removed or reordered)")
            }
            var fields: [String: String?] = [:]
            for column in [
                "at", "pass_id", "pair", "side", "window", "kind", "outcome", "job_id", "actor", "reason",
                "detail", "until",
            ] {
                // updateValue, not subscript assignment: assigning nil would drop the key.
                fields.updateValue(row[column] as String?, forKey: column)
            }
            fields.updateValue((row["intent_id"] as Int64?).map(String.init), forKey: "intent_id")
            let recomputed = AuditChain.hash(
                id: id, recordedAt: row["recorded_at"], fields: fields, previousHash: previousHash)
            let storedHash: String = row["hash"]
            guard recomputed == storedHash else {
                return .broken(rowID: id, problem: "its content does not match its hash (the row was edited)")
            }
            previousHash = storedHash
            expectedID += 1
            count += 1
        }
        return .intact(count: count, headHash: previousHash)
    }
}
