import Foundation

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
        private var previousHash = Array(AuditChain.genesis.utf8)
        private var count = 0
        private let encoder = Encoder()
        private var recomputed = [UInt8](repeating: 0, count: 64)

        /// Nil while the chain holds; the first break otherwise (stop there).
        package init() {}

        package mutating func check(_ row: AuditRawRow) -> AuditVerification? {
            var previous = row.previousHash
            var hash = row.hash
            return previous.withUTF8 { previous in
                hash.withUTF8 { hash in
                    check(
                        id: row.id, previousHash: UnsafeRawBufferPointer(previous), hash: UnsafeRawBufferPointer(hash),
                        TextRow(recordedAt: row.recordedAt, fields: row.fields))
                }
            }
        }

        /// The same check on a row as the driver holds it (``AuditChainRow``), for a driver that reads its rows
        /// without making strings of them.
        package mutating func check<Row: AuditChainRow>(
            id: Int64, previousHash stored: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer, _ row: Row
        ) -> AuditVerification? {
            guard id == expectedID else {
                return .broken(
                    rowID: id, problem: "row \(expectedID) is missing (ids jump from \(expectedID - 1) to \(id))")
            }
            guard Self.same(stored, previousHash) else {
                return .broken(rowID: id, problem: "it does not link to row \(id - 1) (rows removed or reordered)")
            }
            previousHash.withUnsafeBytes { previous in
                recomputed.withUnsafeMutableBytes { encoder.hexDigest(id: id, row, previousHash: previous, into: $0) }
            }
            guard Self.same(hash, recomputed) else {
                return .broken(rowID: id, problem: "its content does not match its hash (the row was edited)")
            }
            previousHash.removeAll(keepingCapacity: true)
            previousHash.append(contentsOf: hash)
            expectedID += 1
            count += 1
            return nil
        }

        private static func same(_ stored: UnsafeRawBufferPointer, _ expected: [UInt8]) -> Bool {
            guard stored.count == expected.count else { return false }
            return expected.withUnsafeBytes { expected in
                expected.count == 0 || memcmp(stored.baseAddress!, expected.baseAddress!, expected.count) == 0
            }
        }

        /// The answer once every row has passed `check`.
        package var result: AuditVerification {
            .intact(count: count, headHash: String(decoding: previousHash, as: UTF8.self))
        }
    }
}
