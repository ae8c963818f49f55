import SyncwindowLocks

extension InMemoryAuditStore {
    /// Throws `AuditStoreError.fenced` unless `fence` is still its pair's current, unexpired
    /// lease. Judged synchronously in the append's actor turn, before anything is written: an
    /// append is either whole before a takeover (the new holder's first read, which queues
    /// behind it on this actor, sees it) or refused — what `FOR SHARE` gives PostgreSQL.
    func refuseStaleFence(_ fence: LeaseFence?) throws {
        guard let fence, let fences, let reason = fences.refusal(of: fence) else { return }
        throw AuditStoreError.fenced(pair: fence.pair, reason: reason)
    }
}
