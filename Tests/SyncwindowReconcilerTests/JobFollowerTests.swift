import Foundation
import GeminiDBAPI
import GeminiDBClient
import Synchronization
import SyncwindowTestSupport
import Testing

@testable import SyncwindowReconciler

/// A pass's jobs followed together: one listing of a project answers every poll that comes at once, listings
/// are spaced, and what a listing does not show is "not listed" only when it reached the end.
@Suite("job follower")
struct JobFollowerTests {
    /// A project's jobs, newest first, paged as the cloud pages them; counts the pages asked for.
    final class JobList: GeminiDBService {
        let jobs: [Job]
        let pages = Mutex(0)

        init(_ jobs: [Job]) { self.jobs = jobs }

        func jobsPage(_ query: JobQuery, offset: Int, limit: Int, on instance: InstanceRef)
            async throws(GeminiDBError) -> JobListResponse
        {
            pages.withLock { $0 += 1 }
            return JobListResponse(jobs: Array(jobs.dropFirst(offset).prefix(limit)), totalCount: jobs.count)
        }
        func syncStatus(of instance: InstanceRef) async throws(GeminiDBError) -> DataSyncStatusResponse {
            throw .transport("not used")
        }
        func setDataSynchronization(_ action: SyncAction, on instance: InstanceRef) async throws(GeminiDBError)
            -> String
        { throw .transport("not used") }
        func job(id: String, on instance: InstanceRef) async throws(GeminiDBError) -> Job? {
            throw .transport("not used")
        }
        func jobs(_ query: JobQuery, on instance: InstanceRef) async throws(GeminiDBError) -> [Job] {
            throw .transport("not used")
        }
        func instance(_ instance: InstanceRef) async throws(GeminiDBError) -> InstanceInfo? { nil }
    }

    static let instance = InstanceRef(region: "ap-southeast-1", projectID: "p1", instanceID: "i1")

    static func jobs(_ prefix: String, _ count: Int, status: String = "Completed") -> [Job] {
        (0..<count).map { Job(id: "\(prefix)-\($0)", status: status) }
    }

    static func follower(_ list: JobList) -> JobFollower {
        JobFollower(cloud: list, spacing: .milliseconds(250), clock: SimulatedClock(start: Date()))
    }

    @Test("polls that come together share one listing of the project")
    func oneListingForManyPolls() async {
        let mine = Self.jobs("mine", 6)
        let list = JobList(mine + Self.jobs("other", 30))
        let follower = Self.follower(list)
        await follower.follow(mine.map { (id: $0.id, instance: Self.instance, action: .pause) })
        let reads = await withTaskGroup(of: JobFollower.Read.self) { group in
            for job in mine { group.addTask { await follower.read(job.id, on: Self.instance, asOf: 0) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reads.count == 6 && reads.allSatisfy { if case .listed = $0 { true } else { false } })
        #expect(list.pages.withLock { $0 } == 1)
    }

    @Test("listings of a project are spaced: a poll soon after one takes it, a later one gets a new one")
    func listingsSpaced() async {
        let mine = Self.jobs("mine", 4, status: "Running")
        let list = JobList(mine)
        let follower = Self.follower(list)
        await follower.follow(mine.map { (id: $0.id, instance: Self.instance, action: .pause) })
        _ = await follower.read("mine-0", on: Self.instance, asOf: 0)
        _ = await follower.read("mine-1", on: Self.instance, asOf: 0.2)
        #expect(list.pages.withLock { $0 } == 1)
        _ = await follower.read("mine-1", on: Self.instance, asOf: 0.5)
        #expect(list.pages.withLock { $0 } == 2)
        #expect(await follower.now() >= 0.5, "the second listing waited for the poll")
    }

    @Test("a job a listing does not show is not listed only if the listing reached the end; else read by id")
    func absentOnlyAtTheEnd() async {
        let mine = Self.jobs("mine", 3)
        // Given three of four followed jobs listed among 250 others (three pages: the last one short)
        let short = JobList(mine + Self.jobs("other", 250))
        let follower = Self.follower(short)
        let followed = mine.map(\.id) + ["lost"]
        await follower.follow(followed.map { (id: $0, instance: Self.instance, action: .pause) })
        #expect(await follower.read("lost", on: Self.instance, asOf: 0) == .notListed)
        // Given the same among 1,000 others: the pages read end before the list does
        let long = JobList(mine + Self.jobs("other", 1_000))
        let follower2 = Self.follower(long)
        await follower2.follow(followed.map { (id: $0, instance: Self.instance, action: .pause) })
        #expect(await follower2.read("lost", on: Self.instance, asOf: 0) == .unsure)
        #expect(await follower2.read("mine-2", on: Self.instance, asOf: 0) == .listed(mine[2]))
        #expect(long.pages.withLock { $0 } == 3)
    }

    @Test("a project with few jobs followed is read job by job")
    func fewJobsByID() async {
        let mine = Self.jobs("mine", 3)
        let list = JobList(mine)
        let follower = Self.follower(list)
        await follower.follow(mine.map { (id: $0.id, instance: Self.instance, action: .pause) })
        #expect(await follower.read("mine-0", on: Self.instance, asOf: 0) == .byID)
        #expect(list.pages.withLock { $0 } == 0)
    }
}
