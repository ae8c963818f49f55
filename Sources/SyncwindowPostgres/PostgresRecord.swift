import Foundation
import NIOCore
import PostgresNIO
import SyncwindowAudit

/// One row's values as a single binary `record` cell (`SELECT ROW(a, b, …)`), read in place: the row's one
/// buffer is walked once for where each field lies, and the fields are read from there. A row of separate
/// cells costs the driver a `PostgresCell` per value (its buffer, column name and type retained and released),
/// which was most of the time of reading a year's trail.
///
/// The binary form (PostgreSQL's `record_send`): the number of fields as a 32-bit integer, then for each field
/// its type OID (32 bits), its length (32 bits, -1 for NULL) and that many bytes, every integer big-endian.
struct PostgresRecord {
    /// The record was not what `ROW(columns)` sends.
    struct Malformed: Error, CustomStringConvertible {
        var reason: String
        var description: String { "unexpected row from the server: \(reason)" }
    }

    /// The fields of the record being read: valid only inside `read`'s body.
    struct Fields {
        fileprivate let base: UnsafeRawBufferPointer
        fileprivate let starts: UnsafeBufferPointer<Int>
        fileprivate let lengths: UnsafeBufferPointer<Int>
        fileprivate let types: UnsafeBufferPointer<UInt32>

        /// The size of the whole record: at least that of all its values together.
        var recordSize: Int { base.count }

        /// A field's bytes as they came (a text value's UTF-8), nil for NULL.
        func bytes(_ field: Int) -> UnsafeRawBufferPointer? {
            let length = lengths[field]
            guard length >= 0 else { return nil }
            return UnsafeRawBufferPointer(rebasing: base[starts[field]..<starts[field] + length])
        }

        /// Whether a field is a `BIGINT` in binary (eight bytes).
        func isInteger(_ field: Int) -> Bool {
            types[field] == PostgresRecord.int8 && lengths[field] == 8
        }

        /// A `BIGINT` field's value; nil for NULL or a field of another type.
        func integer(_ field: Int) -> Int64? {
            guard isInteger(field) else { return nil }
            return Int64(bigEndian: base.loadUnaligned(fromByteOffset: starts[field], as: Int64.self))
        }

        /// A text field's value, nil for NULL; the bytes decoded as UTF-8, as the driver decodes `TEXT`.
        func string(_ field: Int) -> String? {
            bytes(field).map { String(decoding: $0, as: UTF8.self) }
        }

        /// A stored timestamp's value, as `AuditTimestamp.date` reads its text; nil for NULL or another shape.
        func date(_ field: Int) -> Date? {
            bytes(field).flatMap(AuditTimestamp.date(utf8:))
        }
    }

    static let int8: UInt32 = 20

    private var starts: [Int]
    private var lengths: [Int]
    private var types: [UInt32]

    /// Room for a record of `fields` fields, reused from row to row.
    init(fields: Int) {
        starts = Array(repeating: 0, count: fields)
        lengths = Array(repeating: -1, count: fields)
        types = Array(repeating: 0, count: fields)
    }

    /// `body` with the fields of `row`'s one cell, a record of as many fields as this was made for.
    mutating func read<T>(_ row: PostgresRow, _ body: (Fields) throws -> T) throws -> T {
        guard let cell = row.first, let buffer = cell.bytes, cell.format == .binary else {
            throw Malformed(reason: "a row without its record")
        }
        return try buffer.withUnsafeReadableBytes { base in
            try locate(in: base)
            return try starts.withUnsafeBufferPointer { starts in
                try lengths.withUnsafeBufferPointer { lengths in
                    try types.withUnsafeBufferPointer { types in
                        try body(Fields(base: base, starts: starts, lengths: lengths, types: types))
                    }
                }
            }
        }
    }

    /// Walks the record once, noting where each field lies.
    private mutating func locate(in base: UnsafeRawBufferPointer) throws {
        func integer(at offset: Int) throws -> UInt32 {
            guard offset + 4 <= base.count else { throw Malformed(reason: "a record cut short") }
            return UInt32(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }
        let count = starts.count
        guard try integer(at: 0) == count else { throw Malformed(reason: "a record not of \(count) fields") }
        var offset = 4
        for field in 0..<count {
            types[field] = try integer(at: offset)
            let length = Int(Int32(bitPattern: try integer(at: offset + 4)))
            offset += 8
            starts[field] = offset
            lengths[field] = length
            if length > 0 {
                guard offset + length <= base.count else { throw Malformed(reason: "a record cut short") }
                offset += length
            }
        }
    }
}
