import Crypto

/// A stored row as a driver holds it, handed to ``AuditChain/Encoder``: each driver says where a value lies
/// (a string, SQLite's column bytes, a field of a PostgreSQL record), the encoder alone lays the bytes out.
package protocol AuditChainRow {
    /// The row's `recorded_at` as stored.
    func recordedAtValue() -> AuditChain.StoredValue
    /// The stored value of `AuditChain.hashOrder[index]`: `.null` for NULL or for a column the driver lacks.
    func hashedValue(_ index: Int) -> AuditChain.StoredValue
}

extension AuditChain {
    /// One stored value, in whichever form the driver has it, without copying it.
    package enum StoredValue {
        case null
        case text(String)
        /// UTF-8 bytes where they lie, valid for the encoder call they are handed to.
        case bytes(UnsafeRawBufferPointer)
        /// A column stored as an integer: hashed as its decimal text, as `String(value)` writes it.
        case integer(Int64)
    }

    /// The one writer of the hash input (the format in ``AuditChain``'s comment): appending and every driver's
    /// `verify` hash through it, so the format, the column order, NULL and the hashed-only-when-set rule live here
    /// alone. Writes into one buffer reused from row to row; nothing in a row's encoding is allocated or reference
    /// counted, so `verify` stays at about a microsecond a row.
    package final class Encoder {
        private var base: UnsafeMutableRawPointer
        private var capacity: Int
        private var count = 0
        private let layout = AuditChain.layout

        package init(capacity: Int = 1024) {
            self.capacity = capacity
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        }

        deinit { base.deallocate() }

        /// A row's hash, SHA-256 of its input as 64 lower-case hex digits written into `out`.
        package func hexDigest<Row: AuditChainRow>(
            id: Int64, _ row: Row, previousHash: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer
        ) {
            count = 0
            layout.constants.withUnsafeBytes { constants in
                layout.labels.withUnsafeBytes { labels in
                    layout.fields.withUnsafeBufferPointer { fields in
                        encode(id: id, row, previousHash, constants: constants, labels: labels, fields: fields)
                    }
                }
                var hasher = SHA256()
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: count))
                let digest = hasher.finalize()
                let hexDigits = constants[Layout.hexDigits]
                digest.withUnsafeBytes { raw in
                    for (index, byte) in raw.enumerated() {
                        out[2 * index] = hexDigits[hexDigits.startIndex + Int(byte >> 4)]
                        out[2 * index + 1] = hexDigits[hexDigits.startIndex + Int(byte & 0x0F)]
                    }
                }
            }
        }

        package func hexDigest<Row: AuditChainRow>(id: Int64, _ row: Row, previousHash: String) -> String {
            var previousHash = previousHash
            return previousHash.withUTF8 { previous in
                String(unsafeUninitializedCapacity: 64) { buffer in
                    hexDigest(
                        id: id, row, previousHash: UnsafeRawBufferPointer(previous),
                        into: UnsafeMutableRawBufferPointer(buffer))
                    return 64
                }
            }
        }

        private func encode<Row: AuditChainRow>(
            id: Int64, _ row: Row, _ previousHash: UnsafeRawBufferPointer, constants: UnsafeRawBufferPointer,
            labels: UnsafeRawBufferPointer, fields: UnsafeBufferPointer<Layout.Field>
        ) {
            write(UnsafeRawBufferPointer(rebasing: constants[Layout.tag]))
            Self.withDigits(of: id) { write($0) }
            write(byte: UInt8(ascii: "\n"))
            switch row.recordedAtValue() {
            case .null: break
            case .text(var text): text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
            case .bytes(let raw): write(raw)
            case .integer(let value): Self.withDigits(of: value) { write($0) }
            }
            write(byte: UInt8(ascii: "\n"))
            for index in 0..<fields.count {
                let field = fields[index]
                let label = UnsafeRawBufferPointer(rebasing: labels[field.label])
                switch row.hashedValue(index) {
                case .null:
                    guard !field.hashedOnlyWhenSet else { continue }
                    write(label)
                    write(UnsafeRawBufferPointer(rebasing: constants[Layout.null]))
                case .text(var text): text.withUTF8 { write(label: label, value: UnsafeRawBufferPointer($0)) }
                case .bytes(let raw): write(label: label, value: raw)
                case .integer(let value): Self.withDigits(of: value) { write(label: label, value: $0) }
                }
            }
            write(previousHash)
        }

        /// `name=length:value` and a newline.
        private func write(label: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
            write(label)
            Self.withDigits(of: Int64(value.count)) { write($0) }
            write(byte: UInt8(ascii: ":"))
            write(value)
            write(byte: UInt8(ascii: "\n"))
        }

        private func write(_ raw: UnsafeRawBufferPointer) {
            guard let source = raw.baseAddress, raw.count > 0 else { return }
            reserve(raw.count)
            (base + count).copyMemory(from: source, byteCount: raw.count)
            count += raw.count
        }

        private func write(byte: UInt8) {
            reserve(1)
            base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
            count += 1
        }

        /// Room for `needed` more bytes: the buffer grows (rarely: a row longer than any before), never shrinks.
        private func reserve(_ needed: Int) {
            guard count + needed > capacity else { return }
            capacity = max(count + needed, 2 * capacity)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
            grown.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = grown
        }

        /// `body` with the decimal digits of `value` (as `String(value)` writes them), from a buffer on the stack.
        private static func withDigits<T>(of value: Int64, _ body: (UnsafeRawBufferPointer) -> T) -> T {
            var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and 19 digits fit
            return withUnsafeMutableBytes(of: &buffer) { digits in
                var at = digits.count
                var rest = value.magnitude
                repeat {
                    at -= 1
                    digits[at] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                } while rest > 0
                if value < 0 {
                    at -= 1
                    digits[at] = UInt8(ascii: "-")
                }
                return body(UnsafeRawBufferPointer(rebasing: digits[at...]))
            }
        }
    }

    /// The fixed bytes of the format, made once: the tag, NULL's value, and each hashed column's `name=` label.
    struct Layout: Sendable {
        struct Field: Sendable {
            let label: Range<Int>
            let hashedOnlyWhenSet: Bool
        }

        static let tag = 0..<20
        static let null = 20..<28
        static let hexDigits = 28..<44

        /// `syncwindow-audit-v1\n`, `5:\0null\n` and the hex digits, at `tag`, `null` and `hexDigits`.
        let constants = Array("syncwindow-audit-v1\n5:\u{0}null\n0123456789abcdef".utf8)
        let labels: [UInt8]
        let fields: [Field]

        init(_ order: [HashedField]) {
            var labels: [UInt8] = []
            var fields: [Field] = []
            for field in order {
                let start = labels.count
                labels += Array("\(field.name)=".utf8)
                fields.append(Field(label: start..<labels.count, hashedOnlyWhenSet: field.hashedOnlyWhenSet))
            }
            self.labels = labels
            self.fields = fields
        }
    }

    static let layout = Layout(hashOrder)
}
