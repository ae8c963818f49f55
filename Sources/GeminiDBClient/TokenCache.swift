import Foundation
import GeminiDBAPI

/// IAM tokens by region (project scope = region name), fetched once, shared by concurrent callers,
/// refreshed well before their 24 h expiry and dropped when the API refuses them.
actor TokenCache {
    struct Entry: Sendable {
        var token: Secret
        var refreshAfter: Date
    }

    typealias Fetch = @Sendable (_ region: String) async throws(GeminiDBError) -> (token: Secret, expiresAt: Date?)

    /// Use a token at most this long, whatever its `expires_at` says.
    static let maxAge: TimeInterval = 20 * 3600
    /// Refresh at least this long before `expires_at`.
    static let margin: TimeInterval = 4 * 3600

    private var entries: [String: Entry] = [:]
    private var inFlight: [String: Task<Entry, any Error>] = [:]
    private let fetch: Fetch
    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date, fetch: @escaping Fetch) {
        self.now = now
        self.fetch = fetch
    }

    /// A valid token for `region`, fetching one if none is cached or the cached one is due for refresh.
    func token(forRegion region: String) async throws(GeminiDBError) -> Secret {
        if let entry = entries[region], now() < entry.refreshAfter { return entry.token }
        let task: Task<Entry, any Error>
        if let running = inFlight[region] {
            task = running
        } else {
            let fetch = self.fetch
            let now = self.now
            // Owner: this cache (`inFlight`), and every caller asking for the region meanwhile awaits it; one
            // fetch is shared by all of them, so it cannot be any one caller's child (a caller cancelled
            // early must not cancel the others' fetch). It ends with the fetch, which has its own timeout.
            task = Task {
                let fetched = try await fetch(region)
                let issued = now()
                var refreshAfter = issued.addingTimeInterval(Self.maxAge)
                if let expiresAt = fetched.expiresAt {
                    refreshAfter = min(refreshAfter, expiresAt.addingTimeInterval(-Self.margin))
                }
                return Entry(token: fetched.token, refreshAfter: refreshAfter)
            }
            inFlight[region] = task
        }
        do {
            let entry = try await task.value
            if inFlight[region] == task { inFlight[region] = nil }
            entries[region] = entry
            return entry.token
        } catch {
            if inFlight[region] == task { inFlight[region] = nil }
            if let error = error as? GeminiDBError { throw error }
            throw .transport("token request failed")
        }
    }

    /// Forgets `token` (after a 401), unless another caller has already replaced it.
    func invalidate(region: String, token: Secret) {
        if entries[region]?.token == token { entries[region] = nil }
    }
}
