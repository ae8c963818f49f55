import SyncwindowCLI

await SyncwindowCommand.runAndExit()
