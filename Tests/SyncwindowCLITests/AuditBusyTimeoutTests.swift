import Foundation
import SyncwindowAudit
import Testing

@testable import SyncwindowCLI

/// `SYNCWINDOW_DB_BUSY_TIMEOUT`: how long a write waits for another process's lock on the
/// SQLite trail. The end-to-end test holds a lock across a call's outcome and sees it waited
/// out; how long a lock may be held is this default.
@Suite("audit busy timeout")
struct AuditBusyTimeoutTests {
    @Test("unset, a write waits 60 s: a lock held longer than the old 15 s across an outcome is waited out")
    func defaultOutlastsTheOldTimeout() throws {
        let timeout = try AuditBusyTimeout.fromEnvironment([:])
        #expect(timeout == .seconds(60))
        #expect(timeout > .seconds(18))
    }

    @Test("set, it is seconds (fractions too); anything else is one line naming the variable")
    func parsed() throws {
        #expect(try AuditBusyTimeout.fromEnvironment([AuditBusyTimeout.variable: "1.5"]) == .milliseconds(1500))
        for bad in ["-1", "3601", "soon"] {
            let failure = try #require(throws: CLIFailure.self) {
                _ = try AuditBusyTimeout.fromEnvironment([AuditBusyTimeout.variable: bad])
            }
            #expect(failure.exitCode == ExitStatus.usage)
            #expect(failure.message.hasPrefix(AuditBusyTimeout.variable) && !failure.message.contains("\n"))
        }
    }
}
