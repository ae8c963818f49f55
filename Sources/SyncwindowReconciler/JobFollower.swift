import GeminiDBAPI
import GeminiDBClient

/// Follows the jobs of a whole pass together: where many pairs wait on jobs in one project, one listing of the
/// project's jobs (newest first, a page per hundred jobs) answers all their polls instead of a read per job, and
/// the listings of a project are at least ``spacing`` apart, however many pairs poll. Each pair keeps its own
/// schedule (``JobPolling``) and deadline; a poll takes a listing that started at most ``spacing`` before the
/// pair woke up (its jobs were registered well before: the first poll comes a quarter of the poll interval
/// after the POSTs), or the next one, leading it if none is due — so no poll waits more than ``spacing`` for
/// its answer. A project with few jobs followed is read job by job, as a single pair's are.
///
/// A listing is positive evidence only: a job it shows is as it shows it; a job it does not show is "not listed"
/// only if the listing reached the end of the project's jobs — otherwise the caller reads it by id. So paging
/// through a list that moves under it can cost a read, never a wrong answer.
actor JobFollower {
    /// A project at its endpoint: what one listing covers.
    struct Project: Hashable {
        var region: String
        var projectID: String

        init(_ instance: InstanceRef) {
            region = instance.region
            projectID = instance.projectID
        }
    }

    /// What a listing says of one job.
    enum Read: Equatable {
        case listed(Job)
        /// The listing reached the end of the project's jobs without it.
        case notListed
        /// Not among the pages read: read it by id.
        case unsure
        /// The listing failed: try again at the next poll.
        case unreadable
        /// Too few jobs followed in the project for a listing to pay: read it by id.
        case byID
    }

    private struct Listing {
        /// Seconds on the clock since the follower was made.
        var startedAt: Double
        var found: [String: Job] = [:]
        var reachedEnd = false
        var failed = false
        var done = false
        var waiters: [CheckedContinuation<Void, Never>] = []

        func read(_ id: String) -> Read {
            if let job = found[id] { return .listed(job) }
            if failed { return .unreadable }
            return reachedEnd ? .notListed : .unsure
        }
    }

    /// A listing pays from this many jobs followed in a project: it answers them all for a page.
    static let listingFrom = 4
    /// Pages read beyond those the followed jobs fill, before the rest are read by id.
    static let extraPages = 2

    let cloud: any GeminiDBService
    let spacing: Double
    private let elapsed: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private var followed: [Project: [String: SyncAction]] = [:]
    private var listings: [Project: Listing] = [:]

    init(cloud: any GeminiDBService, spacing: Duration, clock: any Clock<Duration>) {
        self.cloud = cloud
        self.spacing = Self.seconds(spacing)
        (elapsed, sleep) = Self.timing(clock)
    }

    /// Time since now and sleeps on `clock`: comparing its instants needs the concrete clock type.
    private static func timing<C: Clock>(_ clock: C) -> (
        @Sendable () -> Duration, @Sendable (Duration) async throws -> Void
    ) where C.Duration == Duration {
        let start = clock.now
        return ({ start.duration(to: clock.now) }, { try await clock.sleep(for: $0) })
    }

    /// Seconds since the follower was made, on the pass's clock.
    func now() -> Double { Self.seconds(elapsed()) }

    func follow(_ jobs: [(id: String, instance: InstanceRef, action: SyncAction)]) {
        for job in jobs { followed[Project(job.instance), default: [:]][job.id] = job.action }
    }

    func forget(_ jobs: [(id: String, instance: InstanceRef)]) {
        for job in jobs { followed[Project(job.instance)]?[job.id] = nil }
    }

    /// Job `id` of `instance`'s project as the first listing started at or after `asOf` shows it.
    func read(_ id: String, on instance: InstanceRef, asOf: Double) async -> Read {
        let project = Project(instance)
        guard (followed[project]?.count ?? 0) >= Self.listingFrom else { return .byID }
        while true {
            if let listing = listings[project] {
                if listing.done && listing.startedAt >= asOf - spacing { return listing.read(id) }
                if !listing.done {
                    // One in flight (or due): wait for it; if it started too early for this poll, lead the next.
                    await withCheckedContinuation { listings[project]?.waiters.append($0) }
                    continue
                }
            }
            return await lead(project, instance: instance, asOf: asOf).read(id)
        }
    }

    /// Lists the project's jobs, no sooner than ``spacing`` after its previous listing began.
    private func lead(_ project: Project, instance: InstanceRef, asOf: Double) async -> Listing {
        let now = now()
        let start = max(now, asOf, (listings[project]?.startedAt ?? -.infinity) + spacing)
        listings[project] = Listing(startedAt: start)
        if start > now { try? await sleep(.milliseconds(Int64(((start - now) * 1000).rounded(.up)))) }
        let actions = followed[project] ?? [:]
        let name = Set(actions.values).count == 1 ? actions.values.first.map(JobQuery.jobName(for:)) : nil
        var listing = listings[project]!
        let pages = actions.count / JobPages.pageSize + 1 + Self.extraPages
        for index in 0..<pages {
            do {
                let page = try await cloud.jobsPage(
                    JobQuery(name: name), offset: index * JobPages.pageSize, limit: JobPages.pageSize, on: instance)
                for job in page.jobs where actions[job.id] != nil { listing.found[job.id] = job }
                if page.jobs.count < JobPages.pageSize || (index + 1) * JobPages.pageSize >= page.totalCount {
                    listing.reachedEnd = true
                    break
                }
                if listing.found.count == actions.count { break }
            } catch {
                listing.failed = true
                break
            }
        }
        listing.done = true
        let waiters = listings[project]!.waiters
        listing.waiters = []
        listings[project] = listing
        for waiter in waiters { waiter.resume() }
        return listing
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
