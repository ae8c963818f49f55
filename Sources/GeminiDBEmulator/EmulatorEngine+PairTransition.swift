import GeminiDBAPI

/// The two-sided pause and resume. The API page: data synchronization "is paused or resumed only after this API is
/// successfully called for both of the instances". The emulator plays the harsher inferred reading
/// (geminidb-api-facts.md): the first call puts BOTH instances in SUSPENDING (or RECOVERYING); they stay so, whatever
/// job finishes, until the other instance was called too; they settle (SUSPENDED, SYNCING) together once both calls'
/// jobs completed. A client that waits for one side to settle before calling the other waits forever.
///
/// A side that someone else moved (``forceStatus(_:instanceID:projectID:)``) leaves the transition, and an instance
/// whose peer is not where the action starts from (a pause while the peer is already SUSPENDED, say) is alone in it:
/// then its own job settles it, as before.
extension EmulatorEngine {
    /// The status an action starts from, passes through and ends at.
    struct Transition {
        var from: String
        var through: String
        var to: String

        init(_ action: String) {
            if action == SyncAction.pause.rawValue {
                (from, through, to) = ("SYNCING", "SUSPENDING", "SUSPENDED")
            } else {
                (from, through, to) = ("SUSPENDED", "RECOVERYING", "SYNCING")
            }
        }
    }

    /// Why `action` cannot be called on `state` now (the 403 answer), or nil if the call is accepted: the first call
    /// of a transition, on an instance at its start, or the second, on an instance the first one moved and that was
    /// not called yet.
    func refusal(of action: SyncAction, on state: EmulatorInstanceState) -> EmulatorResponse? {
        if state.pendingAction == action.rawValue && state.currentJobID == nil { return nil }
        let transition = Transition(action.rawValue)
        let peer = instances[state.peerKey]
        let atStart = state.pendingAction == nil && state.status == transition.from
        // Resume is allowed only after both were paused (the API page's constraint).
        let peerPaused = peer?.pendingAction == nil && peer?.status == transition.from
        switch action {
        case .pause where atStart, .resume where atStart && peerPaused:
            return nil
        case .pause:
            return .error(
                403, APIErrorCode.statusDoesNotAllow,
                "The instance status \(state.status) does not allow pausing data synchronization.")
        case .resume:
            return .error(
                403, APIErrorCode.statusDoesNotAllow,
                "Data synchronization can be resumed only when it is paused on both instances "
                    + "(this one is \(state.status), its peer \(peer?.status ?? "unknown")).")
        }
    }

    /// Records an accepted call of `action` on the instance `key` (its job `jobID`): the first call of a
    /// transition moves both instances to the passing status, the second only joins it.
    func startCall(_ action: SyncAction, on key: String, jobID: String) {
        guard var state = instances[key] else { return }
        let transition = Transition(action.rawValue)
        if state.pendingAction == nil {
            state.pendingAction = action.rawValue
            state.status = transition.through
            if var peer = instances[state.peerKey], peer.pendingAction == nil, peer.status == transition.from {
                peer.pendingAction = action.rawValue
                peer.status = transition.through
                instances[peer.key] = peer
                changedInstances.append(peer.key)
            }
        }
        state.currentJobID = jobID
        instances[key] = state
        changedInstances.append(key)
    }

    /// Settles the transition the instance `key` takes part in, if it can: once every instance in it has a
    /// completed call, all of them reach the end status; once none has a call still standing (never called, or
    /// its job failed), all of them go back to where they started. Otherwise nothing moves.
    func settlePair(of key: String) {
        guard let state = instances[key], let action = state.pendingAction else { return }
        let members = [state, instances[state.peerKey]].compactMap { $0 }.filter { $0.pendingAction == action }
        let jobStatuses = members.map { member in member.currentJobID.flatMap { jobs[$0]?.status } }
        let status: String
        if jobStatuses.allSatisfy({ $0 == "Completed" }) {
            status = Transition(action).to
        } else if jobStatuses.allSatisfy({ $0 == nil }) {
            status = Transition(action).from
        } else {
            return
        }
        for var member in members {
            member.status = status
            member.pendingAction = nil
            member.currentJobID = nil
            instances[member.key] = member
            changedInstances.append(member.key)
        }
    }

    /// Pairs whose resume was called on one side and has not settled.
    func resumesStarted() -> [String] {
        Set(instances.values.filter { $0.pendingAction == SyncAction.resume.rawValue }.map(\.pair)).sorted()
    }
}
