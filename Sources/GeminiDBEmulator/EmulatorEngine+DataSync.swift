import Foundation
import GeminiDBAPI

extension EmulatorEngine {
    func instance(_ projectID: String, _ instanceID: String) -> EmulatorInstanceState? {
        instances["\(projectID)/\(instanceID)"]
    }

    func instanceNotFound(_ instanceID: String) -> EmulatorResponse {
        .error(404, APIErrorCode.instanceNotFound, "The instance \(instanceID) does not exist.")
    }

    /// `GET …/disaster-recovery/data-synchronization`
    func dataSyncStatus(projectID: String, instanceID: String) -> EmulatorResponse {
        guard let state = instance(projectID, instanceID) else { return instanceNotFound(instanceID) }
        let isPrimary = state.role == "master"
        let syncing = state.status == "SYNCING"
        let answer = DataSyncStatusResponse(
            masterInstanceID: isPrimary ? state.instanceID : state.peerInstanceID,
            slaveInstanceID: isPrimary ? state.peerInstanceID : state.instanceID,
            status: state.status,
            dataSyncIndicators: isPrimary
                ? DataSyncIndicators(
                    rsyncOps: syncing ? 1200 : 0, rsyncWALSize: syncing ? 4096 : 0, rsyncPushCost: 2,
                    rsyncSendCost: 3, rsyncMaxPushCost: 15, rsyncMaxSendCost: 20, rsyncStatus: syncing ? 0 : 1)
                : nil,
            rtoAndRPOIndicators: isPrimary
                ? [
                    RTOAndRPOIndicator(scene: "FAILOVER", rpo: 1, rto: 30),
                    RTOAndRPOIndicator(scene: "SWITCHOVER", rpo: 0, rto: 60),
                ]
                : nil)
        return .json(200, answer)
    }

    /// `POST …/disaster-recovery/data-synchronization` `{"action":"pause"|"resume"}` → 202 `{"job_id"}`. Both
    /// instances move together (``startCall(_:on:jobID:)``, ``settlePair(of:)``).
    func setDataSync(_ request: EmulatorRequest, projectID: String, instanceID: String) -> EmulatorResponse {
        guard let state = instance(projectID, instanceID) else { return instanceNotFound(instanceID) }
        guard let body = try? JSONDecoder().decode(DataSyncActionRequest.self, from: Data(request.body)),
            let action = SyncAction(rawValue: body.action)
        else {
            return .error(400, APIErrorCode.badParameter, "Invalid parameter: action must be pause or resume.")
        }
        if let running = state.currentJobID, jobs[running]?.status == "Running" {
            return .error(
                403, APIErrorCode.operationInProgress,
                "Another operation is being performed on the instance. Try again later.")
        }
        if let refused = refusal(of: action, on: state) { return refused }
        if faults.loseNextCalls > 0 {
            // Accepted, then lost: the answer names a job the jobs list never shows, and nothing moves.
            faults.loseNextCalls -= 1
            return .json(202, JobIDResponse(jobID: newID()))
        }
        let created = now
        let willFail: Bool
        if faults.failNextJobs > 0 {
            faults.failNextJobs -= 1
            willFail = true
        } else {
            willFail = faults.jobFailureRate > 0 && random.unit() < faults.jobFailureRate
        }
        let job = EmulatorJobRecord(
            id: newID(), projectID: projectID, instanceID: instanceID, instanceName: state.name,
            name: JobQuery.jobName(for: action),
            action: action.rawValue, status: "Running", createdAt: created,
            completesAt: created.addingTimeInterval(Double(max(0, faults.jobDelayMilliseconds)) / 1000),
            visibleAt: created.addingTimeInterval(Double(max(0, faults.jobVisibilityDelayMilliseconds)) / 1000),
            willFail: willFail, previousStatus: state.status, failReason: nil, finishedAt: nil)
        changedJobs.append(jobs.insert(job))
        startCall(action, on: state.key, jobID: job.id)
        persist()
        return .json(202, JobIDResponse(jobID: job.id))
    }

    /// `GET /v3/{project_id}/jobs[?id=]`: only jobs already visible, newest first. Looks up by id, the running
    /// jobs, or the span of start times in an index, so a search costs what it finds, not every job ever made.
    func listJobs(_ request: EmulatorRequest, projectID: String) -> EmulatorResponse {
        let now = self.now
        let query = request.query
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        let id = value("id")
        let status = value("status")
        let name = value("name")
        // The cloud's span filter, on when a job started; malformed times are refused as it refuses them.
        var span: (start: Date?, end: Date?) = (nil, nil)
        for (key, bound) in [("start_time", 0), ("end_time", 1)] {
            guard let text = value(key) else { continue }
            guard let date = WireTime.parseJobTime(text) else {
                return .error(400, APIErrorCode.badParameter, "Invalid parameter: \(key) \(text).")
            }
            if bound == 0 { span.start = date } else { span.end = date }
        }
        if let start = span.start, let end = span.end,
            end <= start || end.timeIntervalSince(start) > JobQuery.maximumSpan
        {
            return .error(400, APIErrorCode.badParameter, "Invalid parameter: the time span must be 30 days at most.")
        }
        let candidates = jobs.candidates(
            projectID: projectID, id: id, start: span.start, end: span.end, runningOnly: status == "Running")
        let visible = candidates.map { jobs.records[$0] }.filter { job in
            job.projectID == projectID && job.visibleAt <= now && (id == nil || job.id == id)
                && (status == nil || job.status == status) && (name == nil || job.name == name)
                && (span.start.map { job.createdAt >= $0 } ?? true) && (span.end.map { job.createdAt <= $0 } ?? true)
        }
        let total = visible.count
        let offset = value("offset").flatMap(Int.init) ?? 0
        let limit = value("limit").flatMap(Int.init) ?? 100
        let page = visible.dropFirst(max(0, offset)).prefix(max(0, limit)).map(\.wire)
        return .json(200, JobListResponse(jobs: Array(page), totalCount: total))
    }

    /// `GET /v3/{project_id}/instances[?id=&name=&offset=&limit=]`
    func listInstances(_ request: EmulatorRequest, projectID: String) -> EmulatorResponse {
        var found = instanceOrder.compactMap { instances[$0] }.filter { $0.projectID == projectID }
        if let id = request.queryValue("id") { found = found.filter { $0.instanceID == id } }
        if let name = request.queryValue("name") { found = found.filter { $0.name == name } }
        let total = found.count
        let offset = request.queryValue("offset").flatMap(Int.init) ?? 0
        let limit = request.queryValue("limit").flatMap(Int.init) ?? 100
        let page = found.dropFirst(max(0, offset)).prefix(max(0, limit)).map { state in
            InstanceInfo(
                id: state.instanceID, name: state.name, status: "normal", port: "6379", region: state.region,
                mode: "Cluster", engine: "rocksDB", datastore: .init(type: "redis", version: "6.2"),
                maintenanceWindow: "02:00-06:00",
                actions: state.currentJobID.flatMap { jobs[$0] }?.status == "Running" ? ["DR_DATA_SYNC"] : [],
                drInstanceID: state.peerInstanceID)
        }
        return .json(200, InstanceListResponse(instances: Array(page), totalCount: total))
    }

    /// `GET /v3/{project_id}/instances/{instance_id}/instance-role`
    func instanceRole(projectID: String, instanceID: String) -> EmulatorResponse {
        guard let state = instance(projectID, instanceID) else { return instanceNotFound(instanceID) }
        return .json(200, InstanceRoleResponse(role: state.role))
    }
}
