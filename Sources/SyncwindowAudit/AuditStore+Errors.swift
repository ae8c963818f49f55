import Foundation
import GRDB

extension AuditStore {
    /// Runs `body`, turning the SQLite errors an operator can act on into `AuditStoreError`
    /// (see `storeError`); any other error passes as it was.
    static func mappingErrors<T>(path: String, timeout: Duration, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw storeError(error, path: path, timeout: timeout) ?? error
        }
    }

    /// The async twin of `mappingErrors(path:timeout:_:)`, for this store's operations.
    func mappingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: path, timeout: busyTimeout) ?? error
        }
    }

    /// Busy or locked past the timeout; a full disk; a file that is not an intact database.
    ///
    /// A full disk reaches SQLite as SQLITE_FULL when a write is refused for want of space, but as
    /// SQLITE_IOERR (a "disk I/O error") when it is the write-ahead log's index or a journal that
    /// cannot grow: after an I/O error the file system's free space tells the two apart.
    static func storeError(_ error: DatabaseError, path: String, timeout: Duration) -> AuditStoreError? {
        if error.isBusy { return .busy(path: path, timeout: timeout) }
        switch error.resultCode {
        case .SQLITE_FULL:
            return .diskFull(path: path, freeBytes: FreeSpace.bytes(at: path))
        case .SQLITE_IOERR, .SQLITE_CANTOPEN:
            guard let free = FreeSpace.bytes(at: path), free < FreeSpace.fullBelow else { return nil }
            return .diskFull(path: path, freeBytes: free)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return .unreadable(
                path: path,
                reason: "it is not an intact SQLite database (\(error.message ?? "SQLite error \(error.resultCode)")) "
                    + "— restore it from backup")
        default:
            return nil
        }
    }
}

/// The free space of the file system holding a path, for telling a full disk from other I/O errors.
enum FreeSpace {
    /// Less than this is a full disk to SQLite: a transaction needs a few pages of WAL at least.
    static let fullBelow: UInt64 = 1 << 20

    /// Bytes an unprivileged writer may still use where `path` lies (its directory when `path`
    /// does not exist yet); nil when the file system cannot be asked.
    static func bytes(at path: String) -> UInt64? {
        var target = path
        if !FileManager.default.fileExists(atPath: target) {
            target = URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
        var stats = statvfs()
        guard statvfs(target, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }
}
