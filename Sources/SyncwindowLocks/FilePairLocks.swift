import Foundation

/// Pair locks as `flock(2)` files in one directory: what separate `tick`, `run` and
/// `override` processes on one host share.
public struct FilePairLocks: PairLocks {
    public let directory: String
    let clock: any Clock<Duration>

    public init(directory: String, clock: any Clock<Duration> = ContinuousClock()) {
        self.directory = directory
        self.clock = clock
    }

    public func path(forPair pair: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("\(pair).lock").path
    }

    public func acquire(pair: String, timeout: Duration) async throws -> any PairLockHold {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            return FileLockHold(
                lock: try await FileLock.acquire(path: path(forPair: pair), timeout: timeout, clock: clock))
        } catch FileLock.Failure.heldElsewhere(let path) {
            throw PairLockUnavailable(pair: pair, holder: path)
        }
    }
}

struct FileLockHold: PairLockHold {
    let lock: FileLock

    func release() async { lock.release() }
}
