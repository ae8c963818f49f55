import Foundation
import NIOCore
import PostgresNIO
import SyncwindowAudit

extension PostgresAuditStore: AuditEventStreaming {
    /// Hands each event over as its row arrives, inside one REPEATABLE READ READ ONLY transaction (a snapshot of
    /// every host's appends), with the driver's backpressure: `audit --format csv|json` and `report` over a year's
    /// trail hold a row at a time, not the trail.
    ///
    /// `body` runs on this task, between two rows, so the read is not raced against `store.postgres.timeout` as
    /// one operation (a year's export outlasts it, and the race would leave the read running after returning):
    /// opening the store has already proved the server answers. Errors are mapped as every other operation's.
    public func forEachEvent(_ query: AuditQuery, _ body: (AuditEvent) throws -> Void) async throws {
        let logger = backend.logger
        do {
            try await backend.client.withTransaction(logger: logger) { connection in
                try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                for try await row in try await connection.query(PostgresRows.select(query), logger: logger) {
                    let event = try PostgresRows.event(row)
                    do { try body(event) } catch { throw CallerError(error: error) }
                }
            }
        } catch {
            // The closure's own error first, then BEGIN/COMMIT's; the caller's errors as they were, the store's
            // mapped as `answering` maps every other operation's.
            let transaction = error as? PostgresTransactionError
            let cause = transaction.map { $0.closureError ?? $0.commitError ?? $0.beginError ?? $0 } ?? error
            if let caller = cause as? CallerError { throw caller.error }
            try await backend.answering { () async throws -> Void in throw cause }
        }
    }
}

/// An error `forEachEvent`'s body threw: passed on untouched, not taken for the store's.
private struct CallerError: Error {
    let error: any Error
}

extension PostgresRows {
    /// A row selected with `columns`, decoded by position as `raw(row).event` decodes it by name: no dictionary
    /// and no name lookup per value.
    static func event(_ row: PostgresRow) throws -> AuditEvent {
        var id: Int64 = 0
        var intentID: Int64?
        var text: [String?] = Array(repeating: nil, count: 18)
        for (position, cell) in row.enumerated() {
            switch position {
            case 0: id = try cell.decode(Int64.self)
            case 16: intentID = try integer(cell)
            default: text[position] = try string(cell)
            }
        }
        let event = NewAuditEvent(
            at: AuditTimestamp.dateOrEpoch(text[4] ?? ""), passID: text[5], pair: text[6],
            side: text[7].flatMap(PairSide.init(rawValue:)), window: text[8],
            kind: text[9].flatMap(AuditKind.init(rawValue:)) ?? .error, outcome: text[10], jobID: text[11],
            actor: text[12] ?? "", reason: text[13], detail: text[14], until: text[15].flatMap(AuditTimestamp.date),
            intentID: intentID, host: text[17])
        return AuditEvent(
            id: id, recordedAt: AuditTimestamp.dateOrEpoch(text[1] ?? ""), event: event, previousHash: text[2] ?? "",
            hash: text[3] ?? "")
    }

    /// A text cell's value (nil for NULL): the bytes as they came, when they came as text.
    static func string(_ cell: PostgresCell) throws -> String? {
        guard let bytes = cell.bytes else { return nil }
        switch cell.dataType {
        case .text, .varchar: return String(buffer: bytes)
        default: return try cell.decode(String?.self)
        }
    }

    /// A `BIGINT` cell's value (nil for NULL): read straight from its eight bytes in binary.
    static func integer(_ cell: PostgresCell) throws -> Int64? {
        guard var bytes = cell.bytes else { return nil }
        if cell.format == .binary, cell.dataType == .int8, bytes.readableBytes == 8 {
            return bytes.readInteger(as: Int64.self)
        }
        return try cell.decode(Int64?.self)
    }
}

extension PostgresAuditStore {
    /// Streams every row through the one verifier, in id order, within one snapshot, hashing each cell's bytes as
    /// they came off the wire (no `String`, dictionary or decoding per value): a year's trail in seconds, where
    /// raced against `store.postgres.timeout` as one operation it could not finish at all.
    public func verify() async throws -> AuditVerification {
        let logger = backend.logger
        let layout = PostgresRows.HashLayout()
        do {
            return try await backend.client.withTransaction(logger: logger) { connection in
                try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                var verifier = AuditChain.Verifier()
                var cells = [ByteBuffer?](repeating: nil, count: PostgresRows.columnCount)
                var integerCell = [Bool](repeating: false, count: PostgresRows.columnCount)
                for try await row in try await connection.query(PostgresRows.select(AuditQuery()), logger: logger) {
                    for (position, cell) in row.enumerated() where position < cells.count {
                        cells[position] = cell.bytes
                        integerCell[position] = cell.format == .binary && cell.dataType == .int8
                    }
                    guard let id = PostgresRows.integer(cells[0], binary: integerCell[0]) else {
                        return .broken(rowID: 0, problem: "a row has no id")
                    }
                    if let broken = layout.check(id: id, cells, integerCell, with: &verifier) { return broken }
                }
                return verifier.result
            }
        } catch {
            let transaction = error as? PostgresTransactionError
            let cause = transaction.map { $0.closureError ?? $0.commitError ?? $0.beginError ?? $0 } ?? error
            return try await backend.answering { () async throws -> AuditVerification in throw cause }
        }
    }
}

extension PostgresRows {
    /// How many columns `columns` selects.
    static let columnCount = columns.split(separator: ",").count

    /// Where each column `AuditChain` hashes sits in a row selected with `columns`, and its label.
    struct HashLayout {
        let recordedAt: Int
        let previousHash: Int
        let hash: Int
        let fields: [(position: Int?, hashedOnlyWhenSet: Bool, label: [UInt8])]

        init() {
            let names = columns.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            func position(_ name: String) -> Int? { names.firstIndex(of: name) }
            recordedAt = position("recorded_at")!
            previousHash = position("prev_hash")!
            hash = position("hash")!
            fields = AuditChain.hashOrder.map { (position($0.name), $0.hashedOnlyWhenSet, Array("\($0.name)=".utf8)) }
        }

        /// The verifier's check of one row, from its cells' bytes (a `BIGINT` in binary hashed as its digits).
        func check(id: Int64, _ cells: [ByteBuffer?], _ integerCell: [Bool], with verifier: inout AuditChain.Verifier)
            -> AuditVerification?
        {
            Self.withBytes(cells[previousHash]) { previous in
                Self.withBytes(cells[hash]) { hash in
                    verifier.check(id: id, previousHash: previous, hash: hash) { input in
                        Self.withBytes(cells[recordedAt]) { input.append(line: $0) }
                        for field in fields {
                            guard let position = field.position, let cell = cells[position] else {
                                if !field.hashedOnlyWhenSet {
                                    field.label.withUnsafeBytes { input.appendNull(labelBytes: $0) }
                                }
                                continue
                            }
                            field.label.withUnsafeBytes { label in
                                if integerCell[position],
                                    var digits = PostgresRows.integer(cell, binary: true).map(String.init)
                                {
                                    digits.withUTF8 { input.append(labelBytes: label, raw: UnsafeRawBufferPointer($0)) }
                                } else {
                                    cell.withUnsafeReadableBytes { input.append(labelBytes: label, raw: $0) }
                                }
                            }
                        }
                    }
                }
            }
        }

        private static func withBytes<T>(_ cell: ByteBuffer?, _ body: (UnsafeRawBufferPointer) -> T) -> T {
            guard let cell else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            return cell.withUnsafeReadableBytes(body)
        }
    }

    /// A `BIGINT` cell: eight bytes in binary, digits in text; nil for NULL or anything else.
    static func integer(_ cell: ByteBuffer?, binary: Bool) -> Int64? {
        guard var cell else { return nil }
        if binary { return cell.readableBytes == 8 ? cell.readInteger(as: Int64.self) : nil }
        return cell.readString(length: cell.readableBytes).flatMap { Int64($0) }
    }
}
