import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An advisory, exclusive `flock(2)` on a file. The kernel drops it when the process dies,
/// so a crashed invocation can never leave a stale lock behind.
public final class FileLock: Sendable {
    public let path: String
    /// The open descriptor that holds the lock; -1 once released (whoever releases first).
    private let descriptor: Mutex<Int32>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case heldElsewhere(path: String)
        case cannotOpen(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .heldElsewhere(let path): "another syncwindow invocation holds \(path)"
            case .cannotOpen(let path, let code): "cannot open lock file \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Takes the lock, polling until `timeout` runs out.
    public static func acquire(path: String, timeout: Duration, clock: any Clock<Duration> = ContinuousClock())
        async throws
        -> FileLock
    {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure.cannotOpen(path: path, errno: errno) }
        let deadline = Deadline(after: timeout, on: clock)
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return FileLock(path: path, descriptor: descriptor) }
            if deadline.hasPassed() {
                close(descriptor)
                throw Failure.heldElsewhere(path: path)
            }
            try await clock.sleep(for: .milliseconds(50))
        }
    }

    /// Takes the lock, blocking the thread. For short critical sections outside async code (migrations).
    public static func acquireBlocking(path: String) throws -> FileLock {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure.cannotOpen(path: path, errno: errno) }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno != EINTR {
                close(descriptor)
                throw Failure.cannotOpen(path: path, errno: errno)
            }
        }
        return FileLock(path: path, descriptor: descriptor)
    }

    public func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
