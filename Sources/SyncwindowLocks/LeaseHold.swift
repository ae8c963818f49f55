import Synchronization

/// A held lease, as its holder keeps it: renewed every third of its length (``keepRenewed()``,
/// run by ``PairLockHold/renewing(_:)``) and confirmed — renewed if due, then measured —
/// immediately before every call. The holder's side of every lease driver (`PostgresPairLeases`,
/// ``InMemoryPairLeases``): only how a lease is renewed and given back differs between them.
///
/// The holder never trusts its lease further than its own clock says: the lease counts from
/// the moment *before* the acquiring or renewing request was sent, and a call goes out only
/// with `margin` of it left. In production that clock is `ContinuousClock` (monotonic, and it
/// keeps counting while the process is stopped); tests inject theirs.
public final class LeaseHold<C: Clock>: PairLockHold where C.Duration == Duration {
    /// Extends the lease if `fence` still holds it, waiting at most `within` (nil: the store's
    /// own deadline); false when it was lost. Throws when the store did not answer.
    public typealias Renew = @Sendable (_ fence: LeaseFence, _ within: Duration?) async throws -> Bool
    /// Ends the lease now, so the next holder need not wait for it to run out.
    public typealias GiveBack = @Sendable (_ fence: LeaseFence) async throws -> Void

    public let fence: LeaseFence?
    let lease: Duration
    let margin: Duration
    let clock: C
    private let renewLease: Renew
    private let giveBack: GiveBack
    private let state: Mutex<State>

    private struct State {
        var validUntil: C.Instant
        var lost: String?
        var released = false
    }

    /// - Parameter askedAt: the holder's clock just before the acquiring request was sent.
    public init(
        fence: LeaseFence, askedAt: C.Instant, lease: Duration, margin: Duration, clock: C,
        renew: @escaping Renew, giveBack: @escaping GiveBack
    ) {
        self.fence = fence
        self.lease = lease
        self.margin = margin
        self.clock = clock
        self.renewLease = renew
        self.giveBack = giveBack
        self.state = Mutex(State(validUntil: askedAt.advanced(by: lease)))
    }

    /// Renews every third of the lease, on the holder's clock, until cancelled or lost. A
    /// renewal that cannot reach the store leaves the lease as it was: the holder's deadline
    /// still bounds it, and the next renewal tries again.
    public func keepRenewed() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: lease / 3)
            } catch {
                return
            }
            guard !Task.isCancelled, (try? await renew()) != false else { return }
        }
    }

    /// Renews, and records the loss if the lease is gone. Errors reaching the store leave the
    /// lease as it was: the holder's deadline still bounds it.
    @discardableResult
    func renew(within limit: Duration? = nil) async throws -> Bool {
        guard let fence, state.withLock({ $0.lost == nil && !$0.released }) else { return false }
        let askedAt = clock.now
        if try await renewLease(fence, limit) {
            let validUntil = askedAt.advanced(by: lease)
            state.withLock { $0.validUntil = max($0.validUntil, validUntil) }
            return true
        }
        state.withLock { $0.lost = $0.lost ?? "another host took it over, or it ran out" }
        return false
    }

    public func confirmBeforeCall() async throws {
        guard let fence else { return }
        if let lost = state.withLock({ $0.lost }) { throw PairLeaseLost(pair: fence.pair, reason: lost) }
        // Renewed within the last third of its length: enough. Otherwise renew now — but never
        // wait for the store past the point where the margin would be gone anyway.
        let left = clock.now.duration(to: state.withLock { $0.validUntil })
        if left < lease * 2 / 3 && left > margin {
            do {
                try await renew(within: left - margin)
            } catch {
                // The store did not answer: the lease may still hold, but only the margin says so.
            }
        }
        try confirmMargin(fence)
    }

    private func confirmMargin(_ fence: LeaseFence) throws {
        let (validUntil, lost) = state.withLock { ($0.validUntil, $0.lost) }
        if let lost { throw PairLeaseLost(pair: fence.pair, reason: lost) }
        guard clock.now.duration(to: validUntil) >= margin else {
            throw PairLeaseLost(
                pair: fence.pair,
                reason: "less than the \(margin.components.seconds)s safety margin of the lease is left")
        }
    }

    public func release() async {
        let giveUp = state.withLock { state in
            defer { state.released = true }
            return state.lost == nil && !state.released
        }
        guard let fence, giveUp else { return }
        // A release that fails leaves a lease that runs out by itself.
        try? await giveBack(fence)
    }
}
