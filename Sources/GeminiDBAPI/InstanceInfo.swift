/// `GET /v3/{project_id}/instances` answer (SDK: `ListInstancesResponse`).
public struct InstanceListResponse: Sendable, Equatable, Codable {
    public var instances: [InstanceInfo]
    public var totalCount: Int

    public init(instances: [InstanceInfo], totalCount: Int) {
        self.instances = instances
        self.totalCount = totalCount
    }

    enum CodingKeys: String, CodingKey {
        case instances
        case totalCount = "total_count"
    }
}

/// One instance (SDK: `ListInstancesResult`), the fields this project reads.
public struct InstanceInfo: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    /// `normal`, `abnormal`, `creating`, `frozen`, `data_disk_full`, `createfail`, `enlargefail`.
    public var status: String
    public var port: String?
    public var region: String?
    public var mode: String?
    public var engine: String?
    public var datastore: Datastore?
    public var maintenanceWindow: String?
    public var actions: [String]?
    public var drInstanceID: String?

    public init(
        id: String, name: String, status: String, port: String? = nil, region: String? = nil, mode: String? = nil,
        engine: String? = nil, datastore: Datastore? = nil, maintenanceWindow: String? = nil,
        actions: [String]? = nil, drInstanceID: String? = nil
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.port = port
        self.region = region
        self.mode = mode
        self.engine = engine
        self.datastore = datastore
        self.maintenanceWindow = maintenanceWindow
        self.actions = actions
        self.drInstanceID = drInstanceID
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status, port, region, mode, engine, datastore
        case maintenanceWindow = "maintenance_window"
        case actions
        case drInstanceID = "dr_instance_id"
    }

    /// `datastore` (SDK: `ListInstancesDatastoreResult`).
    public struct Datastore: Sendable, Equatable, Codable {
        public var type: String
        public var version: String

        public init(type: String, version: String) {
            self.type = type
            self.version = version
        }
    }
}

/// `GET /v3/{project_id}/instances/{instance_id}/instance-role` answer.
public struct InstanceRoleResponse: Sendable, Equatable, Codable {
    /// `master` or `slave`.
    public var role: String

    public init(role: String) { self.role = role }
}
