import Foundation
import GeminiDBAPI

/// How the emulated ECS metadata service behaves: set by flags, read and replaced at run time with
/// `GET`/`PUT /_emulator/metadata` (a PUT replaces the whole document; fields left out take their defaults).
public struct EmulatorMetadata: Sendable, Equatable, Codable {
    /// False: the instance has no cloud service agency, and `GET /openstack/latest/securitykey` answers 401
    /// "Please configure Cloud Service Agency first", as the service does.
    public var agency: Bool
    /// False: `PUT /meta-data/latest/api/token` answers 404, as a service without session tokens does (clients then
    /// fetch the key without one).
    public var sessionTokens: Bool
    /// How long an issued temporary key lives.
    public var keyLifetimeSeconds: Int

    public init(agency: Bool = true, sessionTokens: Bool = true, keyLifetimeSeconds: Int = 24 * 3600) {
        self.agency = agency
        self.sessionTokens = sessionTokens
        self.keyLifetimeSeconds = keyLifetimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case agency
        case sessionTokens = "session_tokens"
        case keyLifetimeSeconds = "key_lifetime_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = EmulatorMetadata()
        agency = try container.decodeIfPresent(Bool.self, forKey: .agency) ?? defaults.agency
        sessionTokens = try container.decodeIfPresent(Bool.self, forKey: .sessionTokens) ?? defaults.sessionTokens
        keyLifetimeSeconds =
            try container.decodeIfPresent(Int.self, forKey: .keyLifetimeSeconds) ?? defaults.keyLifetimeSeconds
    }

    /// Why the document cannot be used, if it cannot.
    var problem: String? {
        (1...(7 * 86_400)).contains(keyLifetimeSeconds) ? nil : "key_lifetime_seconds must be from 1 to 604800."
    }
}

/// The temporary keys and metadata session tokens the emulator has issued. Never logged, never in the state file;
/// only the control API's `GET /_emulator/temporary-keys` shows them, for leak tests.
struct EmulatorTemporaryKeys: Sendable {
    struct Issued: Sendable {
        var secret: String
        var securityToken: String
        var expiresAt: Date
    }

    var settings: EmulatorMetadata
    /// By access key.
    var keys: [String: Issued] = [:]
    /// Metadata session token → expiry.
    var sessionTokens: [String: Date] = [:]
    /// Every key issued, revoked and expired ones included, oldest first (`GET /_emulator/temporary-keys`).
    var issued: [SecurityKeyResponse.Credential] = []
    static let maxIssuedKept = 10_000
}
