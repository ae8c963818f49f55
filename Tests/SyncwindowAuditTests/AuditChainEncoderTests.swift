import Testing

@testable import SyncwindowAudit

/// The one encoder of the hash input, fed each form a driver holds a value in: text (appending, the in-memory
/// store), bytes where they lie (SQLite's columns, PostgreSQL's record fields) and integers (a `BIGINT` field).
@Suite("AuditChain.Encoder")
struct AuditChainEncoderTests {
    /// Computed independently (Python's hashlib over the documented layout) for id 7, recorded at
    /// 2026-01-01T00:00:01.000Z, after genesis: `at`, `kind`, `actor`, a two-byte UTF-8 `detail` and the smallest
    /// `intent_id` set, every other column NULL.
    static let withoutHost = "2be5f9c6df993fdc37c0a94234601439dd8e1972d650f10aa39390040c747aae"
    /// The same with `host` set to `db-1` (a column hashed only when set).
    static let withHost = "b4812b434349015ea9c24c451a309899f6d0f226bc64bce949627ab9bf891d38"

    static let recordedAt = "2026-01-01T00:00:01.000Z"

    static func fields(host: String?) -> [String: String?] {
        var fields: [String: String?] = [:]
        for field in AuditChain.hashOrder { fields.updateValue(nil, forKey: field.name) }
        fields["at"] = "2026-01-01T00:00:00.000Z"
        fields["kind"] = "drift"
        fields["actor"] = "syncwindow"
        fields["detail"] = "é"
        fields["intent_id"] = String(Int64.min)
        fields.updateValue(host, forKey: "host")
        return fields
    }

    /// The row as a driver that reads bytes and integers holds it.
    struct BytesRow: AuditChainRow {
        let fields: [String: String?]
        let recordedAt: UnsafeRawBufferPointer
        let detail: UnsafeRawBufferPointer

        func recordedAtValue() -> AuditChain.StoredValue { .bytes(recordedAt) }

        func hashedValue(_ index: Int) -> AuditChain.StoredValue {
            let name = AuditChain.hashOrder[index].name
            guard let value = fields[name] ?? nil else { return .null }
            switch name {
            case "intent_id": return .integer(Int64(value)!)
            case "detail": return .bytes(detail)
            default: return .text(value)
            }
        }
    }

    @Test("text, bytes and integers encode alike, to the documented layout's hash")
    func everyFormAlike() {
        for (host, golden) in [(nil, Self.withoutHost), ("db-1", Self.withHost)] as [(String?, String)] {
            let fields = Self.fields(host: host)
            let viaText = AuditChain.hash(
                id: 7, recordedAt: Self.recordedAt, fields: fields, previousHash: AuditChain.genesis)
            #expect(viaText == golden)
            var recordedAt = Self.recordedAt
            var detail = "é"
            let viaBytes = recordedAt.withUTF8 { recordedAt in
                detail.withUTF8 { detail in
                    AuditChain.Encoder().hexDigest(
                        id: 7,
                        BytesRow(
                            fields: fields, recordedAt: UnsafeRawBufferPointer(recordedAt),
                            detail: UnsafeRawBufferPointer(detail)),
                        previousHash: AuditChain.genesis)
                }
            }
            #expect(viaBytes == golden)
        }
    }

    @Test("one encoder hashes row after row, longer rows than its buffer included, as fresh ones do")
    func reusedAndGrown() {
        let encoder = AuditChain.Encoder(capacity: 16)
        var fields = Self.fields(host: "db-1")
        for length in [0, 3, 5_000, 10] {
            fields["reason"] = String(repeating: "r", count: length)
            let reused = encoder.hexDigest(
                id: 7, AuditChain.TextRow(recordedAt: Self.recordedAt, fields: fields), previousHash: AuditChain.genesis
            )
            let fresh = AuditChain.hash(
                id: 7, recordedAt: Self.recordedAt, fields: fields, previousHash: AuditChain.genesis)
            #expect(reused == fresh)
        }
        fields["reason"] = nil as String?
        #expect(
            encoder.hexDigest(
                id: 7, AuditChain.TextRow(recordedAt: Self.recordedAt, fields: fields), previousHash: AuditChain.genesis
            )
                == Self.withHost)
    }
}
