import ArgumentParser
import CommandLineExit
import Foundation
import GeminiDBEmulator
import GeminiDBEmulatorSetup
import Logging
import ServiceLifecycle
import SyncwindowConfig

/// `geminidb-emulator`: the GeminiDB DR, jobs and IAM APIs on loopback, for demos, tests and rehearsals.
@main
struct GeminiDBEmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geminidb-emulator",
        abstract: "Emulate the GeminiDB DR data-synchronization, jobs and IAM APIs over HTTP or HTTPS.",
        discussion: """
            Serves the instances of CONFIG's pairs (each starting SYNCING) and accepts exactly the credentials \
            its cloud.auth names. The first line on stdout is `listening on http://HOST:PORT` \
            (`https://` with --tls-cert and --tls-key). \
            Faults can also be changed at run time: GET/PUT /_emulator/faults; the quota and the calls counted \
            per project and API: GET/PUT/DELETE /_emulator/quota. \
            It also plays the ECS metadata service (PUT /meta-data/latest/api/token, \
            GET /openstack/latest/securitykey) for cloud.auth.method metadata: temporary keys with a security \
            token, changed at run time with GET/PUT /_emulator/metadata; POST /_emulator/temporary-keys issues one \
            as IAM's securitytokens API would.
            """)

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:0"

    @Option(name: .customLong("pairs"), help: "A syncwindow config file: its pairs and cloud.auth.")
    var config: String

    @Option(help: "Serve HTTPS with this PEM certificate (then its chain, if any); needs --tls-key.")
    var tlsCert: String?

    @Option(help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "Keep instances and jobs in this file across restarts.")
    var state: String?

    @Option(help: "Added to every API answer, e.g. 200ms.")
    var latency: String = "0"

    @Option(help: "Share of API requests answered 500, 0...1.")
    var errorRate: Double = 0

    @Option(help: "Answer the next N API requests 429 APIGW.0308.")
    var throttleBurst: Int = 0

    @Option(help: "Retry-After of the 429 answers, in seconds.")
    var retryAfter: Int = 1

    @Option(
        help: ArgumentHelp(
            "Throttle as the API gateway does: N calls a second per project and API, burst N (429 APIGW.0308).",
            valueName: "N"))
    var quota: Int = 0

    @Option(help: "Share of pause/resume jobs that fail, 0...1.")
    var failJobs: Double = 0

    @Option(help: "Fail the next N pause/resume jobs.")
    var failNextJobs: Int = 0

    @Option(help: "Answer the next N pause/resume calls 202 with a job id, then lose them: no job, no change.")
    var loseNextCalls: Int = 0

    @Option(help: "Carry out pause/resume calls at once but hold their answer this long, e.g. 30s.")
    var holdCallAnswers: String = "0"

    @Option(help: "Close the connection of the next N API requests without answering.")
    var dropConnections: Int = 0

    @Option(help: "Whether dropped requests are processed first: after_processing or before_processing.")
    var dropMode: String = EmulatorFaults.DropMode.afterProcessing.rawValue

    @Option(help: "How long a pause/resume job runs, e.g. 500ms (0 allowed).")
    var jobDelay: String = "500ms"

    @Option(help: "How long a new job stays out of GET jobs, e.g. 2s.")
    var jobVisibilityDelay: String = "0"

    @Option(help: "Lifetime of IAM tokens, e.g. 24h.")
    var tokenLifetime: String = "24h"

    @Option(help: "Lifetime of the temporary keys the metadata service issues, e.g. 24h or 30s.")
    var temporaryKeyLifetime: String = "24h"

    @Flag(help: "The metadata service answers as on an ECS without a cloud service agency (401).")
    var noAgency = false

    @Flag(help: "The metadata service hands out no session token (PUT …/api/token answers 404).")
    var noMetadataSessionTokens = false

    @Option(help: "Seed for the random faults (deterministic runs).")
    var seed: UInt64?

    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "notice"

    /// Usage errors exit 2, as `syncwindow`'s do (argument-parser would exit 64).
    static func main() async {
        await CommandRunner.runAndExit(Self.self, name: "geminidb-emulator")
    }

    func run() async throws {
        let (host, port) = try parseListen()
        let faults = try makeFaults()
        guard let lifetime = FaultDuration.parse(tokenLifetime) else {
            throw ValidationError("--token-lifetime: not a duration: \(tokenLifetime)")
        }
        guard let keyLifetime = FaultDuration.parse(temporaryKeyLifetime), keyLifetime >= .seconds(1),
            keyLifetime <= .seconds(7 * 86_400)
        else {
            throw ValidationError("--temporary-key-lifetime: not a duration from 1s to 168h: \(temporaryKeyLifetime)")
        }
        let syncwindowConfig: SyncwindowConfiguration
        var configuration: EmulatorConfiguration
        do {
            syncwindowConfig = try ConfigLoader.load(path: config)
            configuration = try EmulatorConfiguration(
                from: syncwindowConfig, faults: faults, seed: seed, stateFile: state,
                readSecret: { path throws(ConfigError) in try SecretFile.read(path) })
        } catch {
            FileHandle.standardError.write(Data("geminidb-emulator: \(error)\n".utf8))
            throw ExitCode(CommandRunner.usageStatus)
        }
        configuration.tokenLifetime = lifetime
        configuration.metadata = EmulatorMetadata(
            agency: !noAgency, sessionTokens: !noMetadataSessionTokens,
            keyLifetimeSeconds: Int(keyLifetime.components.seconds))
        configuration.tls = try tls()

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
            return handler
        }
        let logger = Logger(label: "geminidb-emulator")
        let engine = try EmulatorEngine(configuration: configuration, logger: logger)
        let scheme = configuration.tls == nil ? "http" : "https"
        do {
            let app = try EmulatorServer.makeApplication(engine: engine, host: host, port: port, logger: logger) {
                bound in
                // Scripts read this line to find the port: print it first and flush it.
                FileHandle.standardOutput.write(Data("listening on \(scheme)://\(host):\(bound)\n".utf8))
            }
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch let error as EmulatorTLSError {
            FileHandle.standardError.write(Data("geminidb-emulator: \(error)\n".utf8))
            throw ExitCode(CommandRunner.usageStatus)
        }
    }

    /// Both TLS options or neither.
    func tls() throws -> EmulatorTLS? {
        switch (tlsCert, tlsKey) {
        case (nil, nil): return nil
        case (let cert?, let key?): return EmulatorTLS(certificateFile: cert, privateKeyFile: key)
        default: throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    func parseListen() throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw ValidationError("--listen: expected HOST:PORT, got \(listen)") }
        return (String(listen[..<colon]), port)
    }

    func makeFaults() throws -> EmulatorFaults {
        guard let latency = FaultDuration.parse(latency) else {
            throw ValidationError("--latency: not a duration: \(self.latency)")
        }
        guard let jobDelay = FaultDuration.parse(jobDelay) else {
            throw ValidationError("--job-delay: not a duration: \(self.jobDelay)")
        }
        guard let visibility = FaultDuration.parse(jobVisibilityDelay) else {
            throw ValidationError("--job-visibility-delay: not a duration: \(jobVisibilityDelay)")
        }
        guard let hold = FaultDuration.parse(holdCallAnswers) else {
            throw ValidationError("--hold-call-answers: not a duration: \(holdCallAnswers)")
        }
        guard quota >= 0 else { throw ValidationError("--quota: not a count of calls a second: \(quota)") }
        guard loseNextCalls >= 0 else { throw ValidationError("--lose-next-calls: not a count: \(loseNextCalls)") }
        guard let dropMode = EmulatorFaults.DropMode(rawValue: dropMode) else {
            throw ValidationError("--drop-mode: after_processing or before_processing")
        }
        guard (0...1).contains(errorRate), (0...1).contains(failJobs) else {
            throw ValidationError("--error-rate and --fail-jobs are shares between 0 and 1")
        }
        return EmulatorFaults(
            latencyMilliseconds: FaultDuration.milliseconds(latency), errorRate: errorRate,
            throttleBurst: throttleBurst, retryAfterSeconds: retryAfter, jobFailureRate: failJobs,
            failNextJobs: failNextJobs, dropConnections: dropConnections, dropMode: dropMode,
            jobDelayMilliseconds: FaultDuration.milliseconds(jobDelay),
            jobVisibilityDelayMilliseconds: FaultDuration.milliseconds(visibility), loseNextCalls: loseNextCalls,
            holdCallAnswersMilliseconds: FaultDuration.milliseconds(hold), quota: quota)
    }
}
