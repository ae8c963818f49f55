/// A stored row as its raw column text, the form in which every driver hands rows to
/// `AuditChain.Verifier`: not an `AuditEvent`, so that a value the decoder would
/// normalise still counts as tampering.
package struct AuditRawRow: Sendable, Equatable {
    package var id: Int64
    package var recordedAt: String
    /// Every column of `AuditRow.hashedColumns` by name; nil for NULL.
    package var fields: [String: String?]
    package var previousHash: String
    package var hash: String

    package init(id: Int64, recordedAt: String, fields: [String: String?], previousHash: String, hash: String) {
        self.id = id
        self.recordedAt = recordedAt
        self.fields = fields
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// The result of `audit verify`.
public enum AuditVerification: Sendable, Equatable {
    /// Every row links to the one before and its hash matches its content.
    case intact(count: Int, headHash: String)
    /// The first row that does not verify, and why.
    case broken(rowID: Int64, problem: String)
}

extension AuditChain {
    /// Recomputes the chain one row at a time, in id order, so a driver can stream its rows
    /// from a cursor instead of loading the whole trail. One verifier for every driver: the
    /// same rows give the same answer, whatever holds them.
    package struct Verifier {
        private var expectedID: Int64 = 1
        private var previousHash = AuditChain.genesis
        private var count = 0

        /// Nil while the chain holds; the first break otherwise (stop there).
        package init() {}

        package mutating func check(_ row: AuditRawRow) -> AuditVerification? {
            let id = row.id
            guard id == expectedID else {
                return .broken(
                    rowID: id, problem: "row \(expectedID) is missing (ids jump from \(expectedID - 1) to \(id))")
            }
            guard row.previousHash == previousHash else {
                return .broken(rowID: id, problem: "it does not link to row \(id - 1) (rows removed or reordered)")
            }
            let recomputed = AuditChain.hash(
                id: id, recordedAt: row.recordedAt, fields: row.fields, previousHash: previousHash)
            guard recomputed == row.hash else {
                return .broken(rowID: id, problem: "its content does not match its hash (the row was edited)")
            }
            previousHash = row.hash
            expectedID += 1
            count += 1
            return nil
        }

        /// The answer once every row has passed `check`.
        package var result: AuditVerification { .intact(count: count, headHash: previousHash) }
    }
}
