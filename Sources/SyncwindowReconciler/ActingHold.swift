import SyncwindowLocks

/// The pair lock the current task acts under, for the two places that must consult it:
/// every append (`PassRecorder` sends its fence, so a store with leases refuses the appends
/// of a host that lost the pair) and every call (``PairPass`` confirms the hold just before
/// it). A task-local rather than a parameter so that no append made while acting on a pair,
/// however deep, can forget the fence; `PairPass.runLocked` binds it for the pair's work.
enum ActingHold {
    @TaskLocal static var current: (any PairLockHold)?
}
