/// One GeminiDB instance: where it lives (region, project) and its id.
public struct InstanceRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var region: String
    public var projectID: String
    public var instanceID: String

    public init(region: String, projectID: String, instanceID: String) {
        self.region = region
        self.projectID = projectID
        self.instanceID = instanceID
    }

    public var description: String { "\(region)/\(projectID)/\(instanceID)" }
}
