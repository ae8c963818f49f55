import Foundation
import SyncwindowAudit

/// Another host put a different configuration into effect after this host last did: this
/// host stands down rather than act on windows the others no longer serve.
///
/// The rule, "the configuration most recently put into effect wins": a host puts its
/// configuration into effect (records a `configuration` event) when it differs from the one
/// this host last put into effect — an edit, or a rollback, made on this host. A host whose
/// configuration is still the one it last put into effect, while another host has since put a
/// different one into effect, is the one behind: it acts on no pair until its files match.
/// Judged per host, not per trail, so two hosts with different files do not take turns
/// recording theirs (which flapped DR once a minute), and a lone host is never blocked by its
/// own older events.
public struct ConfigurationDivergence: Sendable, Equatable, CustomStringConvertible {
    /// This host's configuration.
    public var ownSHA256: String
    /// The configuration in effect, who put it into effect and when (the store's time).
    public var inEffectSHA256: String
    public var host: String
    public var recordedAt: Date

    public init(ownSHA256: String, inEffectSHA256: String, host: String, recordedAt: Date) {
        self.ownSHA256 = ownSHA256
        self.inEffectSHA256 = inEffectSHA256
        self.host = host
        self.recordedAt = recordedAt
    }

    public var description: String {
        "host \(host) put configuration sha256=\(inEffectSHA256.prefix(12)) into effect at "
            + "\(StandDown.time(recordedAt)), after this host last put its own into effect; this host runs "
            + "sha256=\(ownSHA256.prefix(12)) and acts on no pair — roll the same configuration files out to "
            + "every host (to make this host's the one in effect instead, change its files: it puts them into "
            + "effect on its next pass)"
    }

    /// The pure rule: nil when this host may act (and record its configuration if it changed).
    /// - Parameters:
    ///   - newest: the newest `configuration` event of any host.
    ///   - newestOwn: the newest `configuration` event this host recorded.
    public static func judge(
        ownSHA256: String, host: String, newest: AuditEvent?, newestOwn: AuditEvent?
    ) -> ConfigurationDivergence? {
        guard let newest, let inEffect = sha256(of: newest), inEffect != ownSHA256 else { return nil }
        // A trail written before hosts were recorded, or this host's own change: never blocked.
        guard let other = newest.event.host, other != host else { return nil }
        // This host's files changed since it last put them into effect: an edit or a rollback
        // made here, newer than what it last put into effect. A host that never put a
        // configuration into effect (it just joined) is not newer than the others: it waits.
        if let newestOwn, let own = sha256(of: newestOwn), own != ownSHA256 { return nil }
        return ConfigurationDivergence(
            ownSHA256: ownSHA256, inEffectSHA256: inEffect, host: other, recordedAt: newest.recordedAt)
    }

    /// Reads the two events the rule needs, in one snapshot, and judges.
    public static func find(ownSHA256: String, host: String, in store: any AuditStoring) async throws
        -> ConfigurationDivergence?
    {
        let (newest, newestOwn) = try await store.read { reader in
            (
                try await reader.newestUnpaired(kind: .configuration, host: nil),
                try await reader.newestUnpaired(kind: .configuration, host: host)
            )
        }
        return judge(ownSHA256: ownSHA256, host: host, newest: newest, newestOwn: newestOwn)
    }

    /// The config hash a `configuration` event records (unreadable ones count as none).
    static func sha256(of event: AuditEvent) -> String? {
        event.event.detail.flatMap { try? ConfigurationSnapshot.parse($0) }?.configSHA256
    }
}
