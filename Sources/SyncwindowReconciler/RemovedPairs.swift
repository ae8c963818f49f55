import Foundation
import GeminiDBAPI
import SyncwindowAudit
import SyncwindowConfig

/// A pair that left the config while syncwindow still held a pause on it.
///
/// syncwindow never loses track of a pause it owns. Like a Kubernetes controller whose
/// object was deleted — its finalizer releases what it holds before it forgets — a pass
/// hands back such a pause: it resumes the sides syncwindow paused, using the instances
/// the trail recorded (`pair_instances`), and the pair is listed by `status` and the
/// metrics until that is done.
public struct RemovedPair: Sendable, Equatable {
    public var name: String
    /// The instances as last recorded; nil when the trail predates `pair_instances`.
    public var instances: PairConfig?

    /// The text of a `pair_instances` event's detail.
    static func detail(for pair: PairConfig) -> String {
        "primary \(pair.primary), standby \(pair.standby)"
    }

    /// Reads a `pair_instances` detail back (`primary REGION/PROJECT/ID, standby REGION/PROJECT/ID`).
    static func instances(named name: String, fromDetail detail: String) -> PairConfig? {
        let parts = detail.components(separatedBy: ", ")
        guard parts.count == 2, let primary = reference(parts[0], side: "primary"),
            let standby = reference(parts[1], side: "standby")
        else { return nil }
        return PairConfig(name: name, primary: primary, standby: standby)
    }

    private static func reference(_ text: String, side: String) -> InstanceRef? {
        guard text.hasPrefix(side + " ") else { return nil }
        let fields = text.dropFirst(side.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        guard fields.count == 3, fields.allSatisfy({ !$0.isEmpty }) else { return nil }
        return InstanceRef(region: String(fields[0]), projectID: String(fields[1]), instanceID: String(fields[2]))
    }
}

public enum RemovedPairs {
    /// Pairs the trail knows that `configuration` does not name, and on which syncwindow still
    /// holds something: a side it paused, a call to settle, or an operator's hold. A pair
    /// whose instances the configuration now names under another pair (a rename) is not
    /// one: handing it back would resume what the renamed pair's window holds paused, and the
    /// two would undo each other pass after pass. The configured pair governs those instances.
    public static func find(
        configuration: SyncwindowConfiguration, at instant: Date, reading reader: any AuditLedgerReading
    ) async throws -> [RemovedPair] {
        let configured = Set(configuration.pairs.map(\.name))
        let configuredInstances = Set(configuration.pairs.flatMap { [$0.primary, $0.standby] })
        var removed: [RemovedPair] = []
        for name in try await reader.pairNames() where !configured.contains(name) {
            let ledger = try await PairLedger.load(pair: name, at: instant, from: reader)
            guard ledger.ownsPause || !ledger.unsettledIntents.isEmpty || ledger.override != nil else { continue }
            let recorded = try await reader.latest(pair: name, kinds: [.pairInstances])
            let instances = recorded?.event.detail.flatMap { RemovedPair.instances(named: name, fromDetail: $0) }
            if let instances, !configuredInstances.isDisjoint(with: [instances.primary, instances.standby]) {
                continue
            }
            removed.append(RemovedPair(name: name, instances: instances))
        }
        return removed
    }

    public static func find(
        configuration: SyncwindowConfiguration, at instant: Date, in store: any AuditStoring
    ) async throws -> [RemovedPair] {
        try await store.read { try await find(configuration: configuration, at: instant, reading: $0) }
    }
}
