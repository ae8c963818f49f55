import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SyncwindowReconciler
import SyncwindowSchedule

/// `syncwindow run`: reconciles at every window edge and every minute until SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Reconcile at every window edge and every minute; stop cleanly on SIGTERM.")

    @OptionGroup var options: ConfigOptions
    @OptionGroup var timing: PassTimingOptions
    @OptionGroup var metrics: MetricsOptions

    @Option(parsing: .unconditional, help: "Seconds between passes when no window edge comes sooner.")
    var interval: Double = 60

    func validate() throws {
        guard (1...3600).contains(interval) else { throw ValidationError("--interval must be from 1 to 3600 seconds") }
    }

    func run() async throws {
        let config = try options.load()
        let logger = Log.logger()
        try await Session.withReconciler(config, logger: logger) { reconciler in
            let service = ReconcileLoop(
                reconciler: reconciler, timing: timing, interval: interval, metrics: metrics, wallClock: SystemClock.now,
                logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// The long-running reconcile loop. A pass is never cut short by SIGTERM: shutdown is
/// honoured between passes, so no call is left half-recorded by a routine stop.
struct ReconcileLoop: Service, CustomStringConvertible {
    /// ServiceGroup logs its services by description: keep it short.
    var description: String { "ReconcileLoop" }

    let reconciler: Reconciler
    let timing: PassTimingOptions
    let interval: Double
    let metrics: MetricsOptions
    let wallClock: @Sendable () -> Date
    /// Sleeps between passes; shutdown cancels the sleep, never a pass.
    var clock: any Clock<Duration> = ContinuousClock()
    let logger: Logger

    func run() async throws {
        let schedule = reconciler.schedule
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = wallClock()
            do {
                let result = try await reconciler.runPass(
                    timing.options(at: now, dryRun: false, actor: "syncwindow", pairs: nil, mode: "run"))
                do { try metrics.write(result) } catch { logger.error("Cannot write metrics", metadata: ["error": "\(error)"]) }
                if result.exitCode != 0 {
                    logger.warning(
                        "Pass left pairs short of their desired state", metadata: ["pass.id": "\(result.passID)"])
                }
            } catch {
                logger.error("Pass failed", metadata: ["error": "\(error)"])
            }
            let after = wallClock()
            let regular = after.addingTimeInterval(interval)
            let edge = schedule.nextEdge(after: after, horizon: interval)
            let wake = min(regular, edge ?? regular)
            let seconds = max(0.05, wake.timeIntervalSince(after))
            try? await cancelWhenGracefulShutdown {
                try await clock.sleep(for: .milliseconds(Int64(seconds * 1000)))
            }
        }
        logger.info("Stopping: shutdown requested")
    }
}
