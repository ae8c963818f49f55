import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SyncwindowConfig
import SyncwindowReconciler
import SyncwindowSchedule
import UnixSignals

/// `syncwindow run`: reconciles at every window edge and every minute until SIGTERM;
/// SIGHUP (`systemctl reload`) reloads the configuration.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Reconcile at every window edge and every minute; reload on SIGHUP; stop cleanly on SIGTERM.")

    @OptionGroup var options: ConfigOptions
    @OptionGroup var timing: PassTimingOptions
    @OptionGroup var metrics: MetricsOptions

    @Option(parsing: .unconditional, help: "Seconds between passes when no window edge comes sooner.")
    var interval: Double = 60

    func validate() throws {
        try Arguments.checkSeconds(interval, option: "--interval", in: 1...3600)
    }

    func run() async throws {
        do {
            try await serve()
        } catch {
            // run ended (systemd restarts it): the metrics say why, not the last good pass.
            metrics.writeFailure(error)
            throw error
        }
    }

    private func serve() async throws {
        let (config, host) = try options.loadWithHost()
        let logger = Log.logger()
        // The store (a PostgreSQL pool) outlives the HTTP clients and the loop, and is shut down after them.
        try await Wiring.withStore(config, host: host) { store in
            let initialCredentials = try CredentialLoader.load(config.cloud)
            let timing = self.timing
            let metrics = self.metrics
            try await Wiring.withHTTP(config) { http in
                let reconciler = try await Wiring.makeReconciler(
                    config, credentials: initialCredentials, store: store, http: http, logger: logger)
                let requests = ReloadRequests()
                // Trap SIGHUP before the first pass: its default action would end the process.
                let hangups = await UnixSignalsSequence(trapping: .sighup)
                let loop = ReconcileLoop(
                    reconciler: reconciler, interval: interval,
                    passOptions: {
                        timing.options(at: $0, dryRun: false, actor: "syncwindow", pairs: nil, mode: .run)
                    },
                    reload: {
                        let fresh = try ConfigLoader.load(path: config.sourceFile)
                        guard fresh.stateDirectory == config.stateDirectory, fresh.store == config.store else {
                            throw CLIFailure(
                                "state_dir and store cannot change while running; restart the service to move the trail"
                            )
                        }
                        guard fresh.cloud.network == config.cloud.network else {
                            throw CLIFailure(
                                "cloud.ca_file and cloud.proxy cannot change while running; restart the service to apply them"
                            )
                        }
                        let credentials = try CredentialLoader.load(fresh.cloud)
                        return try await Wiring.makeReconciler(
                            fresh, credentials: credentials, store: store, http: http, logger: logger)
                    },
                    afterPass: { result, reload in
                        if let standDown = result.standDown {
                            logger.error("This host acts on no pair", metadata: ["reason": "\(standDown)"])
                        }
                        do {
                            try metrics.write(result, host: host, reload: reload)
                        } catch {
                            logger.error("Cannot write metrics", metadata: ["error": "\(error)"])
                        }
                    },
                    reloadRequests: requests, wallClock: SystemClock.now, clock: ContinuousClock(), logger: logger)
                let group = ServiceGroup(
                    configuration: .init(
                        services: [.init(service: loop)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await withThrowingDiscardingTaskGroup { tasks in
                    tasks.addTask {
                        for await _ in hangups {
                            logger.notice("SIGHUP: reloading the configuration before the next pass")
                            await requests.request()
                        }
                    }
                    try await group.run()
                    tasks.cancelAll()
                }
            }
        }
    }
}
