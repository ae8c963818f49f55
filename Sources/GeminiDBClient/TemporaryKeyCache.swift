import Foundation
import GeminiDBAPI

/// One temporary key, fetched once and shared by every concurrent call (one fetch in flight, never one per call),
/// refreshed before it expires so that no request carries an expired key, and dropped when the API refuses it.
/// Held in memory only.
actor TemporaryKeyCache {
    typealias Fetch = @Sendable () async throws(GeminiDBError) -> TemporaryKey

    /// Refresh at the latest this long before `expires_at`: the official SDK's threshold (`Credentials.
    /// _DEFAULT_EXPIRATION_THRESHOLD_SECONDS`, 40 minutes).
    static let margin: TimeInterval = 40 * 60

    private var current: (key: TemporaryKey, refreshAfter: Date?, stamp: String?)?
    private var inFlight: Task<TemporaryKey, any Error>?
    private let fetch: Fetch
    /// Changes when the key's source changed (files); nil for the metadata service, whose keys change at expiry.
    private let changeStamp: (@Sendable () -> String)?
    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date, changeStamp: (@Sendable () -> String)? = nil, fetch: @escaping Fetch) {
        self.now = now
        self.changeStamp = changeStamp
        self.fetch = fetch
    }

    /// When a key fetched at `fetchedAt` is due for refresh: 40 minutes before it expires, or half way through its
    /// life where it lives less than 80 minutes (the SDK would fetch before every request then), and never later
    /// than its expiry. Nil: no expiry known (files), kept until they change or the key is refused.
    static func refreshAfter(expiresAt: Date?, fetchedAt: Date) -> Date? {
        guard let expiresAt else { return nil }
        let lifetime = max(0, expiresAt.timeIntervalSince(fetchedAt))
        return expiresAt.addingTimeInterval(-min(margin, lifetime / 2))
    }

    /// The key to sign with now.
    func key() async throws(GeminiDBError) -> TemporaryKey {
        let stamp = changeStamp?()
        if let current, current.stamp == stamp, current.refreshAfter.map({ now() < $0 }) ?? true {
            return current.key
        }
        let task: Task<TemporaryKey, any Error>
        if let running = inFlight {
            task = running
        } else {
            let fetch = self.fetch
            // Owned by this cache: awaited below by every caller that finds it in flight, cleared when done.
            task = Task { try await fetch() }
            inFlight = task
        }
        do {
            let key = try await task.value
            if inFlight == task {
                inFlight = nil
                current = (key, Self.refreshAfter(expiresAt: key.expiresAt, fetchedAt: now()), stamp)
            }
            return key
        } catch {
            if inFlight == task { inFlight = nil }
            if let error = error as? GeminiDBError { throw error }
            throw .transport("temporary key request failed")
        }
    }

    /// When the key in use expires, if known (for `check`).
    func expiry() -> Date? { current?.key.expiresAt }

    /// Forgets `key` (after a 401), unless another caller has already replaced it.
    func invalidate(_ key: TemporaryKey) {
        if current?.key == key { current = nil }
    }
}
