import Foundation

/// The API gateway's throttling (`--quota N`, `quota` in the faults document): a token bucket of N calls a
/// second, holding at most N, per project and API — an API being a method on a path template, as the gateway
/// counts them. A call finding the bucket empty is answered 429 `APIGW.0308` with `Retry-After`. Every API
/// request is counted per bucket, quota or not (`GET /_emulator/quota`), so a benchmark can tell the calls a
/// pass made even after the request log's ring has wrapped.
struct EmulatorQuota {
    struct Key: Hashable, Comparable {
        var projectID: String
        var api: String

        static func < (lhs: Key, rhs: Key) -> Bool { (lhs.projectID, lhs.api) < (rhs.projectID, rhs.api) }
    }

    struct Bucket {
        /// The quota it was filled for: a new quota starts with a full bucket.
        var quota: Int
        var tokens: Double
        var updated: Date
        var admitted = 0
        var throttled = 0
    }

    private(set) var buckets: [Key: Bucket] = [:]

    /// Takes a token of `key`'s bucket at `now`. Returns nil when the call is admitted, else the whole seconds
    /// until a token will be there (at least 1: `Retry-After` counts in seconds). `quota` 0: no limit.
    mutating func take(_ key: Key, quota: Int, at now: Date) -> Int? {
        let capacity = Double(quota)
        var bucket = buckets[key] ?? Bucket(quota: quota, tokens: capacity, updated: now)
        defer { buckets[key] = bucket }
        if bucket.quota != quota {
            (bucket.quota, bucket.tokens, bucket.updated) = (quota, capacity, now)
        }
        if quota > 0 {
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(capacity, bucket.tokens + elapsed * capacity)
            bucket.updated = max(bucket.updated, now)
            guard bucket.tokens >= 1 else {
                bucket.throttled += 1
                return max(1, Int(((1 - bucket.tokens) / capacity).rounded(.up)))
            }
            bucket.tokens -= 1
        }
        bucket.admitted += 1
        return nil
    }

    mutating func resetCounts() {
        for key in buckets.keys {
            buckets[key]?.admitted = 0
            buckets[key]?.throttled = 0
        }
    }

    /// The bucket an API request draws on: its project and its API (`GET /v3/{project_id}/jobs`), or nil for
    /// what the gateway does not meter per project (IAM's token request, paths outside `/v3/{project_id}/`).
    static func key(method: String, segments: [String]) -> Key? {
        guard segments.count >= 3, segments[0] == "v3", segments[1] != "auth" else { return nil }
        var template = ["v3", "{project_id}"] + segments.dropFirst(2)
        if template.count >= 4, template[2] == "instances" { template[3] = "{instance_id}" }
        return Key(projectID: segments[1], api: "\(method) /" + template.joined(separator: "/"))
    }

    /// `GET /_emulator/quota`.
    struct Report: Codable, Equatable {
        struct Row: Codable, Equatable {
            var projectID: String
            var api: String
            var admitted: Int
            var throttled: Int

            enum CodingKeys: String, CodingKey {
                case projectID = "project_id"
                case api, admitted, throttled
            }
        }
        /// Calls a second per project and API; 0: none.
        var quota: Int
        var buckets: [Row]
    }

    func report(quota: Int) -> Report {
        Report(
            quota: quota,
            buckets: buckets.keys.sorted().map { key in
                let bucket = buckets[key]!
                return Report.Row(
                    projectID: key.projectID, api: key.api, admitted: bucket.admitted, throttled: bucket.throttled)
            })
    }
}
