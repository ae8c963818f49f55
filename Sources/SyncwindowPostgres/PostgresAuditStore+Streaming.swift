import Foundation
import NIOCore
import PostgresNIO
import SyncwindowAudit

extension PostgresAuditStore {
    /// Hands each event over as its row arrives, inside one REPEATABLE READ READ ONLY transaction (a snapshot of
    /// every host's appends), with the driver's backpressure: `audit --format csv|json` and `report` over a year's
    /// trail hold a row at a time, not the trail.
    ///
    /// `body` runs on this task, between two rows, so the read is not raced against `store.postgres.timeout` as
    /// one operation (a year's export outlasts it, and the race would leave the read running after returning):
    /// opening the store has already proved the server answers. Errors are mapped as every other operation's.
    ///
    /// Each row comes as one binary record (`PostgresRecord`), decoded from its bytes where they lie.
    public func forEachEvent(_ query: AuditQuery, _ body: (AuditEvent) throws -> Void) async throws {
        let logger = backend.logger
        do {
            try await backend.client.withTransaction(logger: logger) { connection in
                try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                var record = PostgresRecord(fields: PostgresRows.columnCount)
                for try await row in try await connection.query(PostgresRows.selectRecords(query), logger: logger) {
                    let event = try record.read(row) { try PostgresRows.event($0) }
                    do { try body(event) } catch { throw CallerError(error: error) }
                }
            }
        } catch {
            // The caller's errors as they were; the store's mapped as `answering` maps every other operation's.
            let cause = (error as? PostgresTransactionError)?.cause ?? error
            if let caller = cause as? CallerError { throw caller.error }
            try await backend.answering { () async throws -> Void in throw cause }
        }
    }
}

/// An error `forEachEvent`'s body threw: passed on untouched, not taken for the store's.
private struct CallerError: Error {
    let error: any Error
}

extension PostgresAuditStore {
    /// Streams every row through the one verifier, in id order, within one snapshot, hashing each field's bytes
    /// where they lie in the row's record (no `String`, dictionary, cell or decoding per value): a year's trail in
    /// seconds, where raced against `store.postgres.timeout` as one operation it could not finish at all.
    public func verify() async throws -> AuditVerification {
        let logger = backend.logger
        let layout = PostgresRows.HashLayout()
        do {
            return try await backend.client.withTransaction(logger: logger) { connection in
                try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                var verifier = AuditChain.Verifier()
                var record = PostgresRecord(fields: PostgresRows.columnCount)
                let rows = try await connection.query(PostgresRows.selectRecords(AuditQuery()), logger: logger)
                for try await row in rows {
                    let broken = try record.read(row) { fields -> AuditVerification? in
                        guard let id = fields.integer(0) else { return .broken(rowID: 0, problem: "a row has no id") }
                        return layout.check(id: id, fields, with: &verifier)
                    }
                    if let broken { return broken }
                }
                return verifier.result
            }
        } catch {
            let cause = (error as? PostgresTransactionError)?.cause ?? error
            return try await backend.answering { () async throws -> AuditVerification in throw cause }
        }
    }
}

extension PostgresRows {
    /// How many columns `columns` selects.
    static let columnCount = columns.split(separator: ",").count

    /// `select(query)`'s rows, each as one record, `ROW(columns)`: one cell for the driver to hand over instead of
    /// eighteen (each a buffer, a column name and a type to retain and release), the fields in the order of
    /// `columns`.
    ///
    /// The period's bounds and the kinds are written into the statement as constants where they can only be
    /// digits, letters and punctuation (every stored timestamp and kind can): the planner then knows that a
    /// report's period covers the whole trail. Bound as parameters, they left it guessing a third of the rows,
    /// and it read them through the `at` index and sorted them by id (hundreds of megabytes, spilled to disk)
    /// instead of walking the primary key in order.
    static func selectRecords(_ query: AuditQuery) -> PostgresQuery {
        var bindings = PostgresBindings()
        var clauses: [String] = []
        func constant(_ value: String) -> String {
            guard value.utf8.allSatisfy(isPlain) else {
                bindings.append(value)
                return "$\(bindings.count)"
            }
            return "'\(value)'"
        }
        if let since = query.since { clauses.append("at >= \(constant(AuditTimestamp.string(since)))") }
        if let until = query.until { clauses.append("at < \(constant(AuditTimestamp.string(until)))") }
        if let pair = query.pair {
            bindings.append(pair)
            clauses.append("pair = $\(bindings.count)")
        }
        if let kinds = query.kinds {
            clauses.append(
                kinds.isEmpty ? "FALSE" : "kind IN (\(kinds.map { constant($0.rawValue) }.joined(separator: ", ")))")
        }
        var sql = "SELECT ROW(\(columns)) FROM event"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        return PostgresQuery(unsafeSQL: sql + " ORDER BY id", binds: bindings)
    }

    /// A byte that needs no quoting or escaping in an SQL string constant, whatever the server's settings.
    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "+"):
            return true
        default: return false
        }
    }

    /// The event in a record selected by `selectRecords`, decoded as `raw(row).event` decodes a row by name:
    /// timestamps parsed from their bytes, a `String` made only for a value an event keeps as one.
    static func event(_ fields: PostgresRecord.Fields) throws -> AuditEvent {
        guard let id = fields.integer(0) else { throw PostgresRecord.Malformed(reason: "a row has no id") }
        let event = NewAuditEvent(
            at: fields.date(4) ?? Date(timeIntervalSince1970: 0), passID: fields.string(5), pair: fields.string(6),
            side: fields.string(7).flatMap(PairSide.init(rawValue:)), window: fields.string(8),
            kind: fields.string(9).flatMap(AuditKind.init(rawValue:)) ?? .error, outcome: fields.string(10),
            jobID: fields.string(11), actor: fields.string(12) ?? "", reason: fields.string(13),
            detail: fields.string(14), until: fields.date(15), intentID: fields.integer(16), host: fields.string(17))
        return AuditEvent(
            id: id, recordedAt: fields.date(1) ?? Date(timeIntervalSince1970: 0), event: event,
            previousHash: fields.string(2) ?? "", hash: fields.string(3) ?? "")
    }

    /// Where each column `AuditChain` hashes sits in a row selected with `columns`: a flat array read through a
    /// pointer, so that a row's check retains and releases nothing.
    struct HashLayout {
        let recordedAt: Int
        let previousHash: Int
        let hash: Int
        /// In `AuditChain.hashOrder`: each column's field in the record, -1 when `columns` lacks it.
        private let positions: [Int]

        init() {
            let names = columns.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            func position(_ name: String) -> Int? { names.firstIndex(of: name) }
            recordedAt = position("recorded_at")!
            previousHash = position("prev_hash")!
            hash = position("hash")!
            positions = AuditChain.hashOrder.map { position($0.name) ?? -1 }
        }

        /// The verifier's check of one row, from its fields' bytes where they lie in the record.
        func check(id: Int64, _ row: PostgresRecord.Fields, with verifier: inout AuditChain.Verifier)
            -> AuditVerification?
        {
            let empty = UnsafeRawBufferPointer(start: nil, count: 0)
            return positions.withUnsafeBufferPointer { positions in
                verifier.check(
                    id: id, previousHash: row.bytes(previousHash) ?? empty, hash: row.bytes(hash) ?? empty,
                    RecordFields(fields: row, recordedAt: recordedAt, hashed: positions))
            }
        }
    }
}

/// A record's fields as `AuditChain` reads them: a `BIGINT` as its value (hashed as its digits), text as its bytes.
private struct RecordFields: AuditChainRow {
    let fields: PostgresRecord.Fields
    let recordedAt: Int
    let hashed: UnsafeBufferPointer<Int>

    func recordedAtValue() -> AuditChain.StoredValue { value(recordedAt) }

    func hashedValue(_ index: Int) -> AuditChain.StoredValue { value(hashed[index]) }

    private func value(_ position: Int) -> AuditChain.StoredValue {
        guard position >= 0, let bytes = fields.bytes(position) else { return .null }
        if let integer = fields.integer(position) { return .integer(integer) }
        return .bytes(bytes)
    }
}
