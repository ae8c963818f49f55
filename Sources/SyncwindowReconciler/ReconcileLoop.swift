import Foundation
import Logging
import ServiceLifecycle
import SyncwindowConfig
import SyncwindowSchedule

/// The long-running reconcile loop of `syncwindow run`: a pass at every window edge and
/// every `interval`. A pass is never cut short by SIGTERM: shutdown is honoured between
/// passes, so no call is left half-recorded by a routine stop.
///
/// The configuration is reloaded on request (SIGHUP, `systemctl reload`) and whenever its
/// files change on disk, checked before every pass — the timer-driven `tick` re-reads
/// them every run, and `run` must not serve yesterday's windows either. An invalid new
/// configuration is refused as a whole: the loop keeps the one it has, logs one line,
/// and says so in the metrics until a valid one is loaded.
public struct ReconcileLoop: Service, CustomStringConvertible {
    /// ServiceGroup logs its services by description: keep it short.
    public var description: String { "ReconcileLoop" }

    /// Whether the last reload worked, and when one last did (the start counts).
    public struct ReloadState: Sendable, Equatable {
        public var successful: Bool
        public var lastSuccess: Date
    }

    let initial: Reconciler
    let interval: TimeInterval
    let passOptions: @Sendable (Date) -> ReconcileOptions
    /// Builds a reconciler from the configuration files as they are now; throws if invalid.
    let reload: @Sendable () async throws -> Reconciler
    let fingerprint: @Sendable (SyncwindowConfiguration) -> ConfigFingerprint
    let afterPass: @Sendable (PassResult, ReloadState) -> Void
    let reloadRequests: ReloadRequests
    let wallClock: @Sendable () -> Date
    /// Sleeps between passes; shutdown and reload requests cut the sleep short, never a pass.
    /// Injected with `wallClock` (the two must agree: a simulated year in the tests, the
    /// system's clocks in `run`), so nothing here reads the real time.
    let clock: any Clock<Duration>
    let logger: Logger

    public init(
        reconciler: Reconciler, interval: TimeInterval, passOptions: @escaping @Sendable (Date) -> ReconcileOptions,
        reload: @escaping @Sendable () async throws -> Reconciler,
        fingerprint: @escaping @Sendable (SyncwindowConfiguration) -> ConfigFingerprint = ConfigFingerprint.of,
        afterPass: @escaping @Sendable (PassResult, ReloadState) -> Void, reloadRequests: ReloadRequests,
        wallClock: @escaping @Sendable () -> Date, clock: any Clock<Duration>, logger: Logger
    ) {
        self.initial = reconciler
        self.interval = interval
        self.passOptions = passOptions
        self.reload = reload
        self.fingerprint = fingerprint
        self.afterPass = afterPass
        self.reloadRequests = reloadRequests
        self.wallClock = wallClock
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        var reconciler = initial
        var seen = fingerprint(reconciler.configuration)
        var reloadState = ReloadState(successful: true, lastSuccess: wallClock())
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let requested = await reloadRequests.take()
            let current = fingerprint(reconciler.configuration)
            if requested || current != seen {
                // Remember what was tried, so a broken file is reported once, not every pass;
                // the next edit or SIGHUP tries again.
                seen = current
                do {
                    reconciler = try await reload()
                    seen = fingerprint(reconciler.configuration)
                    reloadState = ReloadState(successful: true, lastSuccess: wallClock())
                    logger.notice(
                        "Configuration reloaded",
                        metadata: ["config.sha256": "\(reconciler.configuration.contentHash)"])
                } catch {
                    reloadState.successful = false
                    logger.error(
                        "Configuration reload failed; keeping the previous configuration",
                        metadata: ["error": "\(error)"])
                }
            }
            let started = wallClock()
            do {
                let result = try await reconciler.runPass(passOptions(started))
                afterPass(result, reloadState)
                if result.verdict != .converged {
                    logger.warning(
                        "Pass left pairs short of their desired state", metadata: ["pass.id": "\(result.passID)"])
                }
            } catch {
                logger.error("Pass failed", metadata: ["error": "\(error)"])
            }
            let finished = wallClock()
            let wake = Self.nextWake(
                passStartedAt: started, finishedAt: finished, schedule: reconciler.schedule, interval: interval)
            let seconds = wake.timeIntervalSince(finished)
            guard seconds > 0 else { continue }
            try? await cancelWhenGracefulShutdown {
                try await sleepOrReload(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
            }
        }
        logger.info("Stopping: shutdown requested")
    }

    /// When the next pass starts: the next window edge after the *start* of the pass just
    /// run — an edge crossed while it ran (a slow pass, a 429's Retry-After) is served at
    /// once — or `interval` after it finished, whichever comes first.
    public static func nextWake(passStartedAt: Date, finishedAt: Date, schedule: Schedule, interval: TimeInterval)
        -> Date
    {
        let regular = finishedAt.addingTimeInterval(interval)
        let horizon = regular.timeIntervalSince(passStartedAt)
        guard let edge = schedule.nextEdge(after: passStartedAt, horizon: horizon) else { return regular }
        return min(edge, regular)
    }

    private func sleepOrReload(for duration: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await clock.sleep(for: duration) }
            group.addTask { await reloadRequests.wait() }
            _ = try await group.next()
            group.cancelAll()
        }
    }
}

/// Requests to reload the configuration (SIGHUP), waking a sleeping loop at once.
public actor ReloadRequests {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    public init() {}

    public func request() {
        pending = true
        waiter?.resume()
        waiter = nil
    }

    /// Whether a reload was requested since the last call.
    func take() -> Bool {
        defer { pending = false }
        return pending
    }

    /// Returns when a reload is requested (or at once if one is pending), or on cancellation.
    func wait() async {
        if pending { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    waiter?.resume()
                    waiter = continuation
                }
            }
        } onCancel: {
            // Owner: these reload requests. The cancellation handler is synchronous, so it hops onto the
            // actor to resume the waiter; the task does that one step and ends.
            Task { await self.cancelWait() }
        }
    }

    private func cancelWait() {
        waiter?.resume()
        waiter = nil
    }
}
