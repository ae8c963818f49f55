/// The 200 answer of `GET …/disaster-recovery/data-synchronization` (SDK: `ShowPauseResumeStutusResponse`).
public struct DataSyncStatusResponse: Sendable, Equatable, Codable {
    public var masterInstanceID: String?
    public var slaveInstanceID: String?
    /// The raw status string (`SYNCING`, `SUSPENDED`, …); see ``state``.
    public var status: String
    /// Filled only when asked on the primary.
    public var dataSyncIndicators: DataSyncIndicators?
    public var rtoAndRPOIndicators: [RTOAndRPOIndicator]?

    public init(
        masterInstanceID: String?, slaveInstanceID: String?, status: String,
        dataSyncIndicators: DataSyncIndicators? = nil, rtoAndRPOIndicators: [RTOAndRPOIndicator]? = nil
    ) {
        self.masterInstanceID = masterInstanceID
        self.slaveInstanceID = slaveInstanceID
        self.status = status
        self.dataSyncIndicators = dataSyncIndicators
        self.rtoAndRPOIndicators = rtoAndRPOIndicators
    }

    /// The status as a typed value.
    public var state: DataSyncState { DataSyncState(rawValue: status) }

    enum CodingKeys: String, CodingKey {
        case masterInstanceID = "master_instance_id"
        case slaveInstanceID = "slave_instance_id"
        case status
        case dataSyncIndicators = "data_sync_indicators"
        case rtoAndRPOIndicators = "rto_and_rpo_indicators"
    }
    /// A missing or null `status` reads as empty (``DataSyncState/unknown(_:)`` of ""), so the
    /// pass names what it got instead of failing to read the answer at all.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        masterInstanceID = try c.decodeIfPresent(String.self, forKey: .masterInstanceID)
        slaveInstanceID = try c.decodeIfPresent(String.self, forKey: .slaveInstanceID)
        status = try c.decodeIfPresent(String.self, forKey: .status) ?? ""
        dataSyncIndicators = try c.decodeIfPresent(DataSyncIndicators.self, forKey: .dataSyncIndicators)
        rtoAndRPOIndicators = try c.decodeIfPresent([RTOAndRPOIndicator].self, forKey: .rtoAndRPOIndicators)
    }
}

/// `data_sync_indicators` (SDK: `NoSQLDrDateSyncIndicators`).
public struct DataSyncIndicators: Sendable, Equatable, Codable {
    public var rsyncOps: Int?
    public var rsyncWALSize: Int?
    public var rsyncPushCost: Int?
    public var rsyncSendCost: Int?
    public var rsyncMaxPushCost: Int?
    public var rsyncMaxSendCost: Int?
    public var rsyncStatus: Int?

    public init(
        rsyncOps: Int? = nil, rsyncWALSize: Int? = nil, rsyncPushCost: Int? = nil, rsyncSendCost: Int? = nil,
        rsyncMaxPushCost: Int? = nil, rsyncMaxSendCost: Int? = nil, rsyncStatus: Int? = nil
    ) {
        self.rsyncOps = rsyncOps
        self.rsyncWALSize = rsyncWALSize
        self.rsyncPushCost = rsyncPushCost
        self.rsyncSendCost = rsyncSendCost
        self.rsyncMaxPushCost = rsyncMaxPushCost
        self.rsyncMaxSendCost = rsyncMaxSendCost
        self.rsyncStatus = rsyncStatus
    }

    enum CodingKeys: String, CodingKey {
        case rsyncOps = "rsync_ops"
        case rsyncWALSize = "rsync_wal_size"
        case rsyncPushCost = "rsync_push_cost"
        case rsyncSendCost = "rsync_send_cost"
        case rsyncMaxPushCost = "rsync_max_push_cost"
        case rsyncMaxSendCost = "rsync_max_send_cost"
        case rsyncStatus = "rsync_status"
    }
}

/// One entry of `rto_and_rpo_indicators` (SDK: `NoSQLDrRpoAndRto`).
public struct RTOAndRPOIndicator: Sendable, Equatable, Codable {
    /// `FAILOVER` or `SWITCHOVER`.
    public var scene: String
    public var rpo: Int?
    public var rto: Int?

    public init(scene: String, rpo: Int? = nil, rto: Int? = nil) {
        self.scene = scene
        self.rpo = rpo
        self.rto = rto
    }
}

/// The data-synchronization status of one instance. The wire keeps strings; this is the typed view.
public enum DataSyncState: Sendable, Hashable, CustomStringConvertible {
    case syncing
    case suspending
    case suspended
    /// `RECOVERYING` on the wire (sic).
    case recovering
    case new
    /// `NA`: no DR relationship.
    case na
    case unknown(String)

    public init(rawValue: String) {
        switch rawValue {
        case "SYNCING": self = .syncing
        case "SUSPENDING": self = .suspending
        case "SUSPENDED": self = .suspended
        case "RECOVERYING": self = .recovering
        case "NEW": self = .new
        case "NA": self = .na
        default: self = .unknown(rawValue)
        }
    }

    /// The exact string the API uses.
    public var rawValue: String {
        switch self {
        case .syncing: "SYNCING"
        case .suspending: "SUSPENDING"
        case .suspended: "SUSPENDED"
        case .recovering: "RECOVERYING"
        case .new: "NEW"
        case .na: "NA"
        case .unknown(let raw): raw
        }
    }

    public var description: String { rawValue }

    /// A pause or resume is under way.
    public var isTransitional: Bool { self == .suspending || self == .recovering }
}
