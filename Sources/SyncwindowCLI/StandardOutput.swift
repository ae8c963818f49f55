import Foundation
import SyncwindowReport

/// Bytes for stdout, written in large chunks straight to file descriptor 1: for outputs of many megabytes (a
/// year's plan, a year's audit trail) that should neither go through a `String` per line nor sit in memory whole.
struct StandardOutput {
    var buffer: [UInt8] = []
    /// Written out whenever this much has piled up.
    let chunk: Int

    init(chunk: Int = 1 << 20) {
        self.chunk = chunk
        buffer.reserveCapacity(chunk + 4096)
        // Whatever `print` left in the C stdio buffer goes first.
        fflush(nil)
    }

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    /// Writes the buffer out if it has grown past `chunk`.
    mutating func flushIfFull() throws {
        if buffer.count >= chunk { try flush() }
    }

    /// Writes everything buffered.
    mutating func flush() throws {
        try buffer.withUnsafeBytes(Self.writeAll)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` to file descriptor 1 as they are, past any buffer (flush first).
    static func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var written = 0
        while written < bytes.count {
            let result = Foundation.write(1, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw CLIFailure(
                    "cannot write to standard output: \(String(cString: strerror(errno)))", exitCode: 1)
            }
            written += result
        }
    }
}

extension StandardOutput: TextSink {
    mutating func write(_ text: String) throws(any Error) {
        append(text)
        try flushIfFull()
    }
}
