import GeminiDBAPI

extension GeminiDBClient {
    /// Pages through `GET /v3/{project_id}/jobs` (100 a page, 20 pages at most: a search is
    /// narrowed by name and time span, so more means something is wrong).
    public func jobs(_ query: JobQuery, on instance: InstanceRef) async throws(GeminiDBError) -> [Job] {
        try await JobPages.collect { offset, limit throws(GeminiDBError) in
            try await jobsPage(query, offset: offset, limit: limit, on: instance)
        }
    }

    public func jobsPage(
        _ query: JobQuery, offset: Int, limit: Int, on instance: InstanceRef
    ) async throws(GeminiDBError) -> JobListResponse {
        let exchange = try await send(
            .get, instance, path: "/v3/\(PercentEncoding.encode(instance.projectID))/jobs",
            query: query.items(offset: offset, limit: limit), operation: "jobs", api: API.jobs)
        return try exchange.decode(JobListResponse.self)
    }
}

/// Paging shared by the client and its in-memory twin.
public enum JobPages {
    public static let pageSize = 100
    public static let maximumPages = 20

    public static func collect(
        _ page: (_ offset: Int, _ limit: Int) async throws(GeminiDBError) -> JobListResponse
    ) async throws(GeminiDBError) -> [Job] {
        var jobs: [Job] = []
        for index in 0..<maximumPages {
            let answer = try await page(index * pageSize, pageSize)
            jobs += answer.jobs
            if answer.jobs.count < pageSize || jobs.count >= answer.totalCount { break }
        }
        return jobs
    }
}
