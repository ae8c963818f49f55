import Foundation

/// `store:` — where the audit trail and the pair locks live. Without it, the SQLite file
/// under `state_dir` and `flock` files beside it: one host. With `postgres:`, a database
/// every host shares, with per-pair leases (docs/multi-host.md).
public enum StoreSettings: Sendable, Equatable {
    case sqlite
    case postgres(PostgresSettings)
}

/// `store.postgres:` — the connection, and the lease timings that keep two hosts off one pair.
public struct PostgresSettings: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// The role's password, read by `SecretFile` when connecting; nil for trust or peer auth.
    public var passwordFile: String?
    public var tls: TLSMode
    /// A PEM bundle that must have signed the server's certificate (else the system trust).
    public var caFile: String?
    /// How long a pair's lease lasts without renewal: how long a dead host can hold a pair.
    public var lease: Duration
    /// How much of the lease must remain, by the holder's own monotonic clock, for it to send a call.
    public var leaseMargin: Duration
    /// Per database operation, connecting included.
    public var timeout: Duration
    /// How far a host's clock may be from the database's before the host stands down: the
    /// schedule is read on each host's clock, so hosts must agree on the time (see docs/hosts-that-disagree.md).
    public var maxClockSkew: Duration

    public static let defaultLease = Duration.seconds(30)
    public static let defaultLeaseMargin = Duration.seconds(10)
    public static let leaseBounds = Duration.seconds(10)...Duration.seconds(600)
    public static let defaultMaxClockSkew = Duration.seconds(5)
    /// Below a second, ordinary NTP jitter and a loaded host would trip it; beyond a minute, hosts
    /// could disagree about which minute a window opens in, the resolution of every cron.
    public static let maxClockSkewBounds = Duration.seconds(1)...Duration.seconds(60)

    public init(
        host: String, port: Int = 5432, user: String, database: String, passwordFile: String? = nil,
        tls: TLSMode = .require, caFile: String? = nil, lease: Duration = PostgresSettings.defaultLease,
        leaseMargin: Duration = PostgresSettings.defaultLeaseMargin, timeout: Duration = .seconds(10),
        maxClockSkew: Duration = PostgresSettings.defaultMaxClockSkew
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.passwordFile = passwordFile
        self.tls = tls
        self.caFile = caFile
        self.lease = lease
        self.leaseMargin = leaseMargin
        self.timeout = timeout
        self.maxClockSkew = maxClockSkew
    }

    /// The URL without any secret, for messages and `location`.
    public var displayURL: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(hostPart):\(port)/\(database)"
    }
}

enum StoreSettingsReader {
    static func read(_ value: YAMLValue?, relativeTo directory: URL) throws(ConfigError) -> StoreSettings {
        guard let value else { return .sqlite }
        let store = try value.mapping(allowed: ["postgres"])
        guard let postgres = store["postgres"] else {
            throw value.error("'store' names no backend; write 'postgres:' under it, or leave 'store' out for SQLite")
        }
        return .postgres(try readPostgres(postgres, relativeTo: directory))
    }

    private static func readPostgres(_ value: YAMLValue, relativeTo directory: URL) throws(ConfigError)
        -> PostgresSettings
    {
        let fields = try value.mapping(allowed: [
            "url", "password_file", "tls", "ca_file", "lease", "lease_margin", "timeout", "max_clock_skew",
        ])
        var settings = try url(try fields.required("url"))
        let loopback = CloudSettingsReader.isLoopback(settings.host)
        settings.tls = loopback ? .prefer : .require
        if let tlsValue = fields["tls"] {
            let text = try tlsValue.string()
            guard let mode = PostgresSettings.TLSMode(rawValue: text) else {
                throw tlsValue.error("'store.postgres.tls' is '\(text)'; use disable, prefer or require")
            }
            // The role's password and every audit event cross this connection.
            guard mode == .require || loopback else {
                throw tlsValue.error(
                    "'store.postgres.tls' is '\(text)' for \(settings.host); use require (disable and prefer are allowed only for loopback)"
                )
            }
            settings.tls = mode
        }
        if let fileValue = fields["password_file"] {
            settings.passwordFile = try CloudSettingsReader.secretFile(fileValue, relativeTo: directory)
        }
        if let caValue = fields["ca_file"] {
            let path = ConfigLoader.resolve(try caValue.string(), against: directory)
            if let problem = CloudSettingsReader.caFileProblem(path) {
                throw caValue.error("'store.postgres.ca_file' \(path) \(problem)")
            }
            settings.caFile = path
        }
        if let leaseValue = fields["lease"] {
            settings.lease = try seconds(leaseValue, in: PostgresSettings.leaseBounds, "from 10s to 10m")
        }
        if let marginValue = fields["lease_margin"] {
            settings.leaseMargin = try seconds(marginValue, in: .seconds(2)...settings.lease, "from 2s")
        }
        // A margin of half the lease or more would refuse calls right after every renewal.
        guard settings.leaseMargin * 2 <= settings.lease else {
            throw (fields["lease_margin"] ?? value).error(
                "'store.postgres.lease_margin' must be at most half of 'lease' (\(settings.lease.components.seconds)s)")
        }
        if let timeoutValue = fields["timeout"] {
            settings.timeout = try seconds(timeoutValue, in: .seconds(1)...(.seconds(300)), "from 1s to 5m")
        }
        if let skewValue = fields["max_clock_skew"] {
            settings.maxClockSkew = try seconds(skewValue, in: PostgresSettings.maxClockSkewBounds, "from 1s to 1m")
        }
        return settings
    }

    /// `postgresql://user@host:port/database`: never a password (it belongs in `password_file`), no parameters.
    private static func url(_ value: YAMLValue) throws(ConfigError) -> PostgresSettings {
        let text = try value.string()
        let example = "write it like postgresql://syncwindow@db.internal:5432/syncwindow"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgresql" || scheme == "postgres"
        else {
            throw value.error("'store.postgres.url' is not a postgresql:// URL; \(example)")
        }
        guard components.password == nil else {
            throw value.error(
                "'store.postgres.url' contains a password; put it in 'store.postgres.password_file' instead")
        }
        guard components.query == nil, components.fragment == nil else {
            throw value.error(
                "'store.postgres.url' takes no parameters; set tls and ca_file as keys of 'store.postgres'")
        }
        guard let user = components.user, !user.isEmpty else {
            throw value.error("'store.postgres.url' names no user; \(example)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw value.error("'store.postgres.url' names no host; \(example)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw value.error("'store.postgres.url' names no database; \(example)")
        }
        return PostgresSettings(
            host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: components.port ?? 5432,
            user: user.removingPercentEncoding ?? user, database: database.removingPercentEncoding ?? database)
    }

    private static func seconds(_ value: YAMLValue, in range: ClosedRange<Duration>, _ rangeText: String)
        throws(ConfigError) -> Duration
    {
        let duration = Duration.milliseconds(Int64(try CloudSettingsReader.duration(value) * 1000))
        guard range.contains(duration) else { throw value.error("'\(value.path)' must be \(rangeText)") }
        return duration
    }
}
