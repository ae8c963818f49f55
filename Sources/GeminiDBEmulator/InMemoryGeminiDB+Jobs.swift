import GeminiDBAPI
import GeminiDBClient

extension InMemoryGeminiDB {
    public func jobs(_ query: JobQuery, on instance: InstanceRef) async throws(GeminiDBError) -> [Job] {
        try await JobPages.collect { offset, limit throws(GeminiDBError) in
            try await jobsPage(query, offset: offset, limit: limit, on: instance)
        }
    }

    public func jobsPage(
        _ query: JobQuery, offset: Int, limit: Int, on instance: InstanceRef
    ) async throws(GeminiDBError) -> JobListResponse {
        try Self.decode(
            JobListResponse.self, from: try await answer(.jobs(query, offset: offset, limit: limit, instance)))
    }
}
