import GeminiDBAPI

/// The GeminiDB calls the project makes. ``GeminiDBClient`` talks to the cloud; tests may substitute their own.
public protocol GeminiDBService: Sendable {
    /// `GET …/disaster-recovery/data-synchronization` on one instance.
    func syncStatus(of instance: InstanceRef) async throws(GeminiDBError) -> DataSyncStatusResponse
    /// POST on ONE instance; returns the job id.
    func setDataSynchronization(_ action: SyncAction, on instance: InstanceRef) async throws(GeminiDBError) -> String
    /// nil while the job is not yet visible (an empty list right after the POST is normal).
    func job(id: String, on instance: InstanceRef) async throws(GeminiDBError) -> Job?
    /// The jobs of `instance`'s project that match `query`, every page of them.
    func jobs(_ query: JobQuery, on instance: InstanceRef) async throws(GeminiDBError) -> [Job]
    /// One page of them, newest first, with the count of all.
    func jobsPage(_ query: JobQuery, offset: Int, limit: Int, on instance: InstanceRef) async throws(GeminiDBError)
        -> JobListResponse
    /// The instance as `GET /v3/{project_id}/instances?id=` lists it; nil if it does not exist.
    func instance(_ instance: InstanceRef) async throws(GeminiDBError) -> InstanceInfo?
}

extension GeminiDBService {
    /// A page cut from every page: for services that only answer whole searches (test doubles).
    public func jobsPage(_ query: JobQuery, offset: Int, limit: Int, on instance: InstanceRef)
        async throws(GeminiDBError) -> JobListResponse
    {
        let all = try await jobs(query, on: instance)
        return JobListResponse(jobs: Array(all.dropFirst(offset).prefix(limit)), totalCount: all.count)
    }
}
