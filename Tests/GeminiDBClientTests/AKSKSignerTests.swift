import Foundation
import GeminiDBAPI
import Testing

@Suite("AK/SK signing")
struct AKSKSignerTests {
    static let date = WireTime.parseSDKDate("20261129T100000Z")!
    static let signer = AKSKSigner(accessKey: Secret("AKEXAMPLE"), secretKey: Secret("SKEXAMPLE"))

    @Test(
        "canonical URI re-encodes each segment and ends in a slash",
        arguments: [
            ("/v3/p/instances", "/v3/p/instances/"),
            ("/v3/p/instances/", "/v3/p/instances/"),
            ("/v3/p/a%20b/c", "/v3/p/a%20b/c/"),
            ("/v3/p/a b/ü", "/v3/p/a%20b/%C3%BC/"),
            ("/v3/p/x~y_z.-", "/v3/p/x~y_z.-/"),
            ("/v3/p/a%2Fb", "/v3/p/a/b/"),
        ])
    func canonicalURI(path: String, expected: String) {
        #expect(AKSKSigner.canonicalURI(path) == expected)
    }

    @Test("canonical query sorts by key then value, keeps empty values and repeated keys")
    func canonicalQuery() {
        let query = [
            QueryItem("limit", "10"), QueryItem("id", "b"), QueryItem("empty", ""), QueryItem("id", "a"),
            QueryItem("a b", "c&d=e"),
        ]
        #expect(AKSKSigner.canonicalQueryString(query) == "a%20b=c%26d%3De&empty=&id=a&id=b&limit=10")
    }

    @Test("a request signed by our signer verifies, and tampering or skew is refused")
    func verifyRoundTrip() {
        let request = SignableRequest(
            method: "POST", host: "127.0.0.1:8080", path: "/v3/p1/instances/i1/disaster-recovery/data-synchronization",
            query: [QueryItem("x", "1")],
            headers: [HTTPHeaderField("Content-Type", "application/json"), HTTPHeaderField("X-Project-Id", "p1")],
            body: Array(#"{"action":"pause"}"#.utf8))
        let signed = Self.signer.sign(request, at: Self.date)
        func received(body: String = #"{"action":"pause"}"#, target: String? = nil) -> ReceivedRequest {
            var headers: [String: String] = [:]
            for field in signed.headers { headers[field.name.lowercased()] = field.value }
            let frozen = headers
            return ReceivedRequest(
                method: "POST", target: target ?? signed.pathAndQuery, header: { frozen[$0] }, body: Array(body.utf8))
        }
        let ak = Secret("AKEXAMPLE")
        let sk = Secret("SKEXAMPLE")
        #expect((try? AKSKSigner.verify(received(), accessKey: ak, secretKey: sk, now: Self.date).get()) != nil)
        #expect(
            failure(
                AKSKSigner.verify(received(body: #"{"action":"resume"}"#), accessKey: ak, secretKey: sk, now: Self.date)
            ) == .signatureMismatch)
        #expect(
            failure(AKSKSigner.verify(received(), accessKey: ak, secretKey: Secret("wrong"), now: Self.date))
                == .signatureMismatch)
        #expect(
            failure(AKSKSigner.verify(received(), accessKey: Secret("OTHER"), secretKey: sk, now: Self.date))
                == .unknownAccessKey)
        #expect(
            failure(
                AKSKSigner.verify(
                    received(), accessKey: ak, secretKey: sk, now: Self.date.addingTimeInterval(16 * 60))) == .clockSkew
        )
        #expect(
            failure(
                AKSKSigner.verify(
                    received(target: signed.pathAndQuery.replacingOccurrences(of: "x=1", with: "x=2")), accessKey: ak,
                    secretKey: sk, now: Self.date)) == .signatureMismatch)
    }

    func failure(_ result: Result<Void, AKSKVerificationFailure>) -> AKSKVerificationFailure? {
        if case .failure(let failure) = result { return failure }
        return nil
    }

    @Test("X-Sdk-Date round-trips")
    func sdkDate() {
        #expect(WireTime.sdkDate(Self.date) == "20261129T100000Z")
        #expect(WireTime.parseSDKDate("2026-11-29") == nil)
        // A date that does not exist is refused, as by every timestamp parser (one scanner).
        #expect(WireTime.parseSDKDate("20260231T100000Z") == nil)
        #expect(WireTime.parseSDKDate("20261129T240000Z") == nil)
    }

    // MARK: - Vectors from the official SDK

    struct Vector: Codable {
        var method: String
        var host: String
        var path: String
        var query: [[String]]
        var headers: [String: String]
        var body: String
        var ak: String
        var sk: String
    }

    struct SDKResult: Codable {
        var authorization: String
        var uri: String
    }

    static let vectors: [Vector] = {
        let date = "20261129T100000Z"
        let common = [
            "Content-Type": "application/json", "X-Sdk-Date": date, "User-Agent": "huaweicloud-usdk-python/3.0",
        ]
        func with(_ extra: [String: String]) -> [String: String] { common.merging(extra) { $1 } }
        return [
            Vector(
                method: "GET", host: "gaussdb-nosql.ap-southeast-1.myhuaweicloud.com",
                path:
                    "/v3/0549b4a43100d4f32f51c01c2fe4acdb/instances/d58c24da5c2d445f87dc8d697ab3ccb7in12/disaster-recovery/data-synchronization",
                query: [], headers: with(["X-Project-Id": "0549b4a43100d4f32f51c01c2fe4acdb"]), body: "", ak: "AK1",
                sk: "SK1"),
            Vector(
                method: "POST", host: "127.0.0.1:18080",
                path: "/v3/p1/instances/i1/disaster-recovery/data-synchronization", query: [],
                headers: with(["X-Project-Id": "p1"]), body: #"{"action": "pause"}"#, ak: "AK2", sk: "sk/with+odd=chars"
            ),
            Vector(
                method: "GET", host: "example.com", path: "/v3/p1/jobs",
                query: [["limit", "10"], ["id", "b"], ["id", "a"], ["empty", ""], ["name", "x y/z~+"]],
                headers: with([:]), body: "", ak: "AK3", sk: "SK3"),
            Vector(
                method: "GET", host: "example.com", path: "/v3/p%20q/instances/%C3%BCber%2Fid",
                query: [["ä", "ö"], ["Z", "1"], ["a", "1"]], headers: with(["X-Custom": "  padded  "]), body: "",
                ak: "AK4", sk: "SK4"),
            Vector(
                method: "PUT", host: "example.com:8443", path: "/v3/p1/instances/i1/", query: [],
                headers: with(["X_Underscore": "skipped", "Content-Type": "application/json;charset=UTF-8"]),
                body: "{\"name\":\"caf\u{e9}\"}", ak: "AK5", sk: "SK5"),
            Vector(
                method: "POST", host: "example.com", path: "/v3/p1/upload", query: [],
                headers: with(["Content-Type": "application/octet-stream"]), body: "raw bytes", ak: "AK6", sk: "SK6"),
        ]
    }()

    @Test("our signer matches the official SDK's Signer byte for byte")
    func matchesSDK() throws {
        let results = try runSDKSigner(Self.vectors)
        #expect(results.count == Self.vectors.count)
        for (vector, sdk) in zip(Self.vectors, results) {
            let request = SignableRequest(
                method: vector.method, host: vector.host, path: vector.path,
                query: vector.query.map { QueryItem($0[0], $0[1]) },
                headers: vector.headers.sorted { $0.key < $1.key }.map { HTTPHeaderField($0.key, $0.value) },
                body: Array(vector.body.utf8))
            let signed = AKSKSigner(accessKey: Secret(vector.ak), secretKey: Secret(vector.sk))
                .sign(request, at: Date())
            #expect(signed.authorization == sdk.authorization, "\(vector.method) \(vector.path)")
            #expect(signed.pathAndQuery == sdk.uri, "\(vector.method) \(vector.path)")
        }
    }

    func runSDKSigner(_ vectors: [Vector]) throws -> [SDKResult] {
        let python = try PythonLocator.python()
        let root = PythonLocator.repositoryRoot
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("scripts/sdk_sign_vectors.py").path]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(vectors))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record("the SDK signer failed (\(process.terminationStatus)): \(errorText) — run `make venv`")
            return []
        }
        return try JSONDecoder().decode([SDKResult].self, from: data)
    }
}

/// Finds the Python with the official SDK: `SYNCWINDOW_PYTHON`, else `<repo>/.venv/bin/python3`.
enum PythonLocator {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func python() throws -> String {
        let candidates = [
            ProcessInfo.processInfo.environment["SYNCWINDOW_PYTHON"],
            repositoryRoot.appendingPathComponent(".venv/bin/python3").path,
        ].compactMap { $0 }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw Missing(
            description: "no Python with the Huawei Cloud SDK (looked at \(candidates)): run `make venv`")
    }
}
