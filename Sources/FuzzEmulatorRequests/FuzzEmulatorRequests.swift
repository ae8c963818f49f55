import Dispatch
import Foundation
import FuzzSupport
import GeminiDBAPI
import GeminiDBEmulator
import Logging

/// libFuzzer target: the emulator's request handling and AK/SK signature verification.
///
/// Input: a byte that picks the engine's credentials (AK/SK, password, token, temporary keys), then up to four requests separated by NUL bytes,
/// answered in turn by one fresh engine. Each starts with a byte that picks how it authenticates
/// (`0` signed, `1` raw — any byte, taken modulo 2), then text: a method line, a target line, header lines
/// (`Name: value`) up to an empty line, and the body. Every answer must be an HTTP status (or a
/// dropped connection), never a trap. And whatever the client's signer signs, the verifier accepts.
enum FuzzEmulatorRequests {
    static let accessKey = Secret("FUZZAKEXAMPLE0000001")
    static let secretKey = Secret("fuzz-secret-key-0123456789abcdefghijklmnop")
    /// Signed requests carry it: the temporary key's (ignored where the engine takes a permanent key).
    static let securityToken = Secret("fuzz-security-token-0123456789")
    static let projectID = "p1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    static let now = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z
    static let pairs = [
        EmulatorPair(
            name: "orders",
            primary: InstanceRef(region: "ap-southeast-1", projectID: projectID, instanceID: "orders-primary-in12"),
            standby: InstanceRef(region: "ap-southeast-3", projectID: projectID, instanceID: "orders-standby-in12"))
    ]
    static let auths: [EmulatorAuth] = [
        .aksk(accessKey: accessKey, secretKey: secretKey),
        .password(domain: "fuzz-domain", user: "fuzz-user", password: Secret("fuzz-password")),
        .token(Secret("fuzz-static-token")),
        // The metadata service's keys, and this one as from a rotation job's files.
        .temporaryKeys(accepting: [
            .init(accessKey: accessKey, secretKey: secretKey, securityToken: securityToken)
        ]),
    ]
    /// `FUZZ_VERBOSE=1`: print each request and its answer (for checking what the seeds reach).
    static let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] != nil
    static let logger = Logger(label: "fuzz.emulator") { _ in SwiftLogNoOpLogHandler() }

    /// How a request authenticates.
    enum Signing: CaseIterable {
        /// Signed by the client's signer over the fuzzed method, path segments, query items and body.
        case signed
        /// Headers exactly as given (a forged or mangled `Authorization`, a token, or none).
        case raw
    }

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let auth = input.pick(auths)
        let now = now
        guard
            let engine = try? EmulatorEngine(
                configuration: EmulatorConfiguration(pairs: pairs, auth: auth, seed: 1, now: { now }), logger: logger)
        else { preconditionFailure("the engine refused a plain configuration") }
        for _ in 0..<4 {
            let chunk = input.bytes(upTo: 0)
            if chunk.isEmpty { break }
            var request = FuzzInput(chunk)
            let signing = request.pick(Signing.allCases)
            let emulated = makeRequest(signing, &request)
            let response = answer(emulated, engine)
            precondition(
                response.drop || (100...599).contains(response.status),
                "\(emulated.method) \(emulated.target) answered \(response.status)")
            if verbose {
                print("\(emulated.method) \(emulated.target) -> \(response.status) \(text(response.body.prefix(160)))")
            }
        }
    }

    static func makeRequest(_ signing: Signing, _ input: inout FuzzInput) -> EmulatorRequest {
        let method = text(input.bytes(upTo: UInt8(ascii: "\n")))
        let target = text(input.bytes(upTo: UInt8(ascii: "\n")))
        var headers: [HTTPHeaderField] = []
        while true {
            let line = input.bytes(upTo: UInt8(ascii: "\n"))
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { break }
            // As an HTTP/1 parser delivers a field: the value without its surrounding whitespace.
            let value = text(line[(colon + 1)...]).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            headers.append(HTTPHeaderField(text(line[..<colon]), value))
        }
        let body = input.rest()
        switch signing {
        case .raw:
            var byName: [String: String] = [:]
            for field in headers {
                let name = field.name.lowercased()
                byName[name] = byName[name].map { "\($0),\(field.value)" } ?? field.value
            }
            let fields = byName
            let received = ReceivedRequest(method: method, target: target, header: { fields[$0] }, body: body)
            _ = AKSKSigner.verify(received, accessKey: accessKey, secretKey: secretKey, now: now)
            return EmulatorRequest(method: method, target: target, headers: byName, body: body)
        case .signed:
            return signedRequest(method: method, target: target, body: body)
        }
    }

    /// Signs as ``GeminiDBClient`` does — path segments percent-encoded, query items raw — and checks
    /// that the verifier accepts what the signer produced.
    static func signedRequest(method: String, target: String, body: [UInt8]) -> EmulatorRequest {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0].split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode(String($0)) }.joined(separator: "/")
        var query: [QueryItem] = []
        if parts.count > 1 {
            for item in parts[1].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query.append(QueryItem(String(pair[0]), pair.count > 1 ? String(pair[1]) : ""))
            }
        }
        let host = "gaussdb-nosql.ap-southeast-1.example.invalid"
        let signed = AKSKSigner(accessKey: accessKey, secretKey: secretKey, securityToken: securityToken).sign(
            SignableRequest(
                method: method, host: host, path: path, query: query,
                headers: [
                    HTTPHeaderField("Content-Type", "application/json"), HTTPHeaderField("User-Agent", "syncwindow"),
                    HTTPHeaderField("X-Project-Id", projectID),
                ], body: body),
            at: now)
        var byName: [String: String] = [:]
        for field in signed.headers { byName[field.name.lowercased()] = field.value }
        let headers = byName
        let received = ReceivedRequest(
            method: method, target: signed.pathAndQuery, header: { headers[$0] }, body: body)
        let verdict = AKSKSigner.verify(received, accessKey: accessKey, secretKey: secretKey, now: now)
        if case .failure(let failure) = verdict {
            preconditionFailure("signed \(method) \(signed.pathAndQuery) refused: \(failure)")
        }
        return EmulatorRequest(method: method, target: signed.pathAndQuery, headers: headers, body: body)
    }

    static func text<S: Sequence<UInt8>>(_ bytes: S) -> String { String(decoding: Array(bytes), as: UTF8.self) }

    /// The fuzzer calls synchronously; the engine is an actor. Test support, not the product: libFuzzer's
    /// callback is a C function that must return the answer, so a semaphore waits (on libFuzzer's own
    /// thread, never a cooperative one) for a task that asks the engine; the box hands the answer over.
    static func answer(_ request: EmulatorRequest, _ engine: EmulatorEngine) -> EmulatorResponse {
        final class Box: @unchecked Sendable { var response: EmulatorResponse? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.response = await engine.respond(to: request)
            done.signal()
        }
        done.wait()
        return box.response!
    }
}

@main
enum FuzzEmulatorRequestsMain {
    static func main() { FuzzMain.run(name: "FuzzEmulatorRequests", body: FuzzEmulatorRequests.run) }
}
