import SyncwindowSchedule
// The reconciler lives here.
