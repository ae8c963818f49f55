import GeminiDBAPI
import GeminiDBClient

extension InMemoryGeminiDB {
    public func jobs(_ query: JobQuery, on instance: InstanceRef) async throws(GeminiDBError) -> [Job] {
        try await JobPages.collect { offset, limit throws(GeminiDBError) in
            try Self.decode(
                JobListResponse.self, from: try await answer(.jobs(query, offset: offset, limit: limit, instance)))
        }
    }
}
