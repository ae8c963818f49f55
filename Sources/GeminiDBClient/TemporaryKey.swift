import Foundation
import GeminiDBAPI

/// A temporary AK/SK and its security token: an ECS agency's key from the metadata service, or one a rotation job
/// wrote to files. Every value is a ``Secret``; `expiresAt` is nil where the source does not say (files).
public struct TemporaryKey: Sendable, Equatable {
    public var accessKey: Secret
    public var secretKey: Secret
    public var securityToken: Secret?
    public var expiresAt: Date?

    public init(accessKey: Secret, secretKey: Secret, securityToken: Secret?, expiresAt: Date? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.securityToken = securityToken
        self.expiresAt = expiresAt
    }

    var signer: AKSKSigner { AKSKSigner(accessKey: accessKey, secretKey: secretKey, securityToken: securityToken) }
}

/// `method: aksk` with a `security_token_file`: the three files a rotation job replaces, read again whenever one of
/// them changes (its inode, size or modification time), so a new key needs no restart.
public struct TemporaryKeyFiles: Sendable, Equatable {
    /// Watched for changes; `read` reads them.
    public var paths: [String]
    /// Reads the key with the secret-file rules; its error text names the file and never a value.
    public var read: @Sendable () throws -> TemporaryKey

    public init(paths: [String], read: @escaping @Sendable () throws -> TemporaryKey) {
        self.paths = paths
        self.read = read
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.paths == rhs.paths }

    /// Changes whenever a file is replaced or rewritten; a missing file counts as a change too.
    func changeStamp() -> String {
        paths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return "missing" }
            return "\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }.joined(separator: "|")
    }
}
