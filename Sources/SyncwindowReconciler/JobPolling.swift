/// When to poll a job: a quarter of the poll interval after the POST, then waits that double
/// up to the interval (with the default 2 s: after 0.5 s, 1.5 s, 3.5 s, 5.5 s, …). The cloud's
/// jobs take seconds; polling at once would only add calls, and a flat interval would keep a
/// one-second job waiting for two.
struct JobPolling: Sendable, Equatable {
    let interval: Duration
    private var next: Duration

    init(interval: Duration) {
        self.interval = interval
        self.next = interval / 4
    }

    /// The wait before the next poll.
    mutating func nextDelay() -> Duration {
        let delay = next
        next = min(next * 2, interval)
        return delay
    }
}
