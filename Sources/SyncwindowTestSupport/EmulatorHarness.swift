import Foundation
import GeminiDBAPI
import GeminiDBEmulator

/// Fixed instances and credentials for tests against the emulator.
public enum EmulatorFixtures {
    public static let primary = InstanceRef(
        region: "ap-southeast-1", projectID: "0549b4a43100d4f32f51c01c2fe4acdb",
        instanceID: "d58c24da5c2d445f87dc8d697ab3ccb7in12")
    public static let standby = InstanceRef(
        region: "ap-southeast-3", projectID: "7f1e2a9c0b3d4e5f8a6b7c8d9e0f1a2b",
        instanceID: "4b2a6c8e0f1d4a3b9c7e5d2f1a0b3c4din12")
    public static let pair = EmulatorPair(name: "orders-cache", primary: primary, standby: standby)
    public static let secondPair = EmulatorPair(
        name: "sessions",
        primary: InstanceRef(
            region: "ap-southeast-1", projectID: primary.projectID, instanceID: "a1b2c3d4e5f60718293a4b5c6d7e8f90in12"),
        standby: InstanceRef(
            region: "ap-southeast-3", projectID: standby.projectID, instanceID: "0f9e8d7c6b5a49382716a5b4c3d2e1f0in12"))

    public static let accessKey = Secret("HPUAEMULATOR0ACCESS0KEY")
    public static let secretKey = Secret("emulatorSecretKey0123456789abcdefghijklmn")
    public static let domain = "syncwindow-domain"
    public static let user = "syncwindow-bot"
    public static let password = Secret("correct horse battery staple")
    public static let staticToken = Secret("MIIstatic-token-for-tests")

    public static let aksk = EmulatorAuth.aksk(accessKey: accessKey, secretKey: secretKey)
    public static let passwordAuth = EmulatorAuth.password(domain: domain, user: user, password: password)
    public static let tokenAuth = EmulatorAuth.token(staticToken)
}

/// Starts an in-process emulator on 127.0.0.1 port 0 for the duration of `body`.
public enum EmulatorHarness {
    /// Jobs complete at once unless `faults` says otherwise.
    public static let instantJobs = EmulatorFaults(jobDelayMilliseconds: 0)

    public static func withEmulator<T>(
        auth: EmulatorAuth = EmulatorFixtures.aksk, pairs: [EmulatorPair] = [EmulatorFixtures.pair],
        faults: EmulatorFaults = instantJobs, seed: UInt64? = 42, stateFile: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: (RunningEmulator) async throws -> T
    ) async throws -> T {
        let configuration = EmulatorConfiguration(
            pairs: pairs, auth: auth, faults: faults, seed: seed, stateFile: stateFile, now: now)
        let emulator = try await RunningEmulator.start(configuration: configuration, host: "127.0.0.1", port: 0)
        do {
            let result = try await body(emulator)
            await emulator.shutdown()
            return result
        } catch {
            await emulator.shutdown()
            throw error
        }
    }
}
