import AsyncHTTPClient
import FuzzSupport
import GeminiDBClient

/// libFuzzer target: how the cloud client reads answers. Input: two bytes of status (0…999, as an
/// HTTP/1 parser delivers), one byte picks the operation, one the attempt; then header lines
/// (`Name: value`) up to an empty line; the rest is the body. The client must answer with a decoded
/// value or a `GeminiDBError` whose message renders — never trap.
enum FuzzCloudDecoding {
    static let reading = AnswerReading(httpClient: HTTPClient.shared)

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let status = Int(input.integer(bytes: 2) % 1000)
        let operation = input.pick(AnswerReading.Operation.allCases)
        let attempt = Int(input.byte() % 8) + 1
        var headers: [(name: String, value: String)] = []
        while true {
            let line = input.bytes(upTo: UInt8(ascii: "\n"))
            if line.isEmpty { break }
            if let header = header(line) { headers.append(header) }
        }
        let body = input.rest()
        switch reading.read(status: status, headers: headers, body: body, operation: operation, attempt: attempt) {
        case .success(let value):
            precondition((200..<300).contains(status), "HTTP \(status) decoded as \(value)")
        case .failure(let error):
            _ = error.description
            _ = error.isRetryable
        }
    }

    /// `Name: value` as an HTTP/1 parser would deliver it (a token name, a value without CR, LF or NUL);
    /// nil for a line no server could send.
    static func header(_ line: [UInt8]) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let name = line[..<colon]
        let tokenSymbols = Array("!#$%&'*+-.^_`|~".utf8)
        guard
            name.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || tokenSymbols.contains($0)
            })
        else { return nil }
        var value = line[(colon + 1)...]
        while value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        guard !value.contains(where: { $0 == 0x0d || $0 == 0x00 }) else { return nil }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }
}

@main
enum FuzzCloudDecodingMain {
    static func main() { FuzzMain.run(name: "FuzzCloudDecoding", body: FuzzCloudDecoding.run) }
}
