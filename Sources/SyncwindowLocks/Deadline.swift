/// "Has `timeout` passed yet?" on an injected clock. A closure, because comparing the
/// instants of an `any Clock` needs the concrete clock type, which only a generic sees.
public struct Deadline: Sendable {
    public let hasPassed: @Sendable () -> Bool

    public init<C: Clock>(after timeout: Duration, on clock: C) where C.Duration == Duration {
        let end = clock.now.advanced(by: timeout)
        self.hasPassed = { clock.now >= end }
    }
}
