/// Reads structured values off the front of a fuzzer's byte string, as LLVM's
/// `FuzzedDataProvider` does: small choices (a zone, an instant, a status code) come from
/// leading bytes, and whatever is left is the text under test. Running short is not an
/// error — missing bytes read as zero — so every input means something.
public struct FuzzInput: Sendable {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next `count` bytes as a big-endian unsigned integer (`count` ≤ 8).
    public mutating func integer(bytes count: Int) -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<count { value = value << 8 | UInt64(byte()) }
        return value
    }

    /// One element of `choices`, picked by the next byte.
    public mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int(byte()) % choices.count]
    }

    /// Bytes up to (not including) the next `separator`, or to the end; consumes the separator.
    public mutating func bytes(upTo separator: UInt8) -> [UInt8] {
        let start = position
        while position < bytes.count && bytes[position] != separator { position += 1 }
        defer { if position < bytes.count { position += 1 } }
        return Array(bytes[start..<position])
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return position < bytes.count ? Array(bytes[position...]) : []
    }

    /// Everything not read yet, decoded as UTF-8 (invalid sequences repaired, as `String(decoding:)` does).
    public mutating func restAsText() -> String {
        String(decoding: rest(), as: UTF8.self)
    }
}
