import Foundation
import SyncwindowSchedule

extension Reconciler {
    /// Since when the pair has been paused with none of its windows open and no override holding it
    /// paused: the last close of its windows, or 35 days back when none closed since. Nil while it is not
    /// paused, or paused on purpose. What the metric `syncwindow_pair_paused_outside_windows_seconds`
    /// counts from: DR is down and nothing planned says it should be (a resume job that failed, a pause
    /// by someone else, an operator's hold that outlived its override).
    func pausedOutsideWindowsSince(_ result: PairPassResult, at instant: Date) -> Date? {
        guard let live = result.live, live.primary == .suspended || live.standby == .suspended else { return nil }
        guard result.desired.state == .syncing, result.desired.openOccurrences.isEmpty else { return nil }
        return schedule.lastClose(forPair: result.pair, atOrBefore: instant) ?? instant - Schedule.mergeHorizon
    }
}
