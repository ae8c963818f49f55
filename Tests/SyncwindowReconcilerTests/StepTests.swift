import Foundation
import GeminiDBAPI
import SyncwindowAudit
import Testing

@testable import SyncwindowReconciler

/// The decision table of a pass: desired state × live state × ownership → next step.
@Suite("Reconcile step decisions")
struct StepTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var desired: SyncState
        var primary: String
        var standby: String
        var owned: Set<PairSide> = []
        var holdSyncing = false
        var handsOff = false
        var calls: [PairSide: SideCall] = [:]
        var expected: Step
        var testDescription: String { name }
    }

    static let both: Set<PairSide> = [.primary, .standby]
    static let completePause =
        "complete the pause syncwindow started: the cloud pauses a pair only once both sides were called"
    static let completeResume =
        "complete the resume syncwindow started: the cloud resumes a pair only once both sides were called"
    static let checkConsole =
        ": syncwindow leaves the pair alone; check the instance's status and its DR relationship in the console "
        + "(known statuses: NA, NEW, SYNCING, SUSPENDING, SUSPENDED, RECOVERYING)"

    static let cases: [Case] = [
        .init(
            name: "window open, both syncing: pause both", desired: .paused, primary: "SYNCING", standby: "SYNCING",
            expected: .call(.pause, [.primary, .standby], why: "pause for the window")),
        .init(
            name: "window open, our pause undone by someone: let go", desired: .paused, primary: "SYNCING",
            standby: "SYNCING", owned: both,
            expected: .resumedBySomeoneElse([.primary, .standby], "primary SYNCING, standby SYNCING")),
        .init(
            name: "window open, both paused: nothing", desired: .paused, primary: "SUSPENDED", standby: "SUSPENDED",
            owned: both,
            expected: .done),
        .init(
            name: "window open, standby still syncing: pause only it", desired: .paused, primary: "SUSPENDED",
            standby: "SYNCING", owned: [.primary], expected: .call(.pause, [.standby], why: "pause for the window")),
        .init(
            name: "pause under way: follow it", desired: .paused, primary: "SUSPENDING", standby: "SUSPENDED",
            expected: .wait("primary SUSPENDING")),
        .init(
            name: "window closed, ours: resume both", desired: .syncing, primary: "SUSPENDED", standby: "SUSPENDED",
            owned: both, expected: .call(.resume, [.primary, .standby], why: "resume after the window")),
        .init(
            name: "window closed, someone else's pause: drift", desired: .syncing, primary: "SUSPENDED",
            standby: "SUSPENDED",
            expected: .drift(
                detail: "primary SUSPENDED, standby SUSPENDED", reason: "left alone: syncwindow did not pause it")),
        .init(
            name: "operator holds syncing over a foreign pause: resume", desired: .syncing, primary: "SUSPENDED",
            standby: "SUSPENDED", holdSyncing: true,
            expected: .call(.resume, [.primary, .standby], why: "resume after the window")),
        .init(
            name: "half-done pause of ours: finish it so both can resume", desired: .syncing, primary: "SUSPENDED",
            standby: "SYNCING", owned: both,
            expected: .call(.pause, [.standby], why: "complete a half-done pause so both sides can resume")),
        .init(
            name: "both syncing outside windows: nothing", desired: .syncing, primary: "SYNCING", standby: "SYNCING",
            expected: .done),
        .init(
            name: "resume under way: follow it", desired: .syncing, primary: "SYNCING", standby: "RECOVERYING",
            owned: both, expected: .wait("standby RECOVERYING")),
        .init(
            name: "no DR relationship: blocked", desired: .paused, primary: "NA", standby: "SYNCING",
            expected: .blocked("primary reports sync status NA: no DR relationship to pause or resume")),
        // Ownership is per side.
        .init(
            name: "window open, one of our sides resumed by hand: let that side go", desired: .paused,
            primary: "SYNCING", standby: "SUSPENDED", owned: both,
            expected: .resumedBySomeoneElse([.primary], "primary SYNCING, standby SUSPENDED")),
        .init(
            name: "window open, someone else paused the primary: pause the standby", desired: .paused,
            primary: "SUSPENDED", standby: "SYNCING",
            expected: .call(.pause, [.standby], why: "pause for the window")),
        .init(
            name: "window closed, only the standby is ours: leave both paused (drift)", desired: .syncing,
            primary: "SUSPENDED", standby: "SUSPENDED", owned: [.standby],
            expected: .drift(
                detail: "primary SUSPENDED, standby SUSPENDED; primary paused by someone else",
                reason:
                    "left paused: primary was paused by someone else, syncwindow resumes only what it paused, "
                    + "and sync resumes only when both sides do; resume the pair by hand or with "
                    + "'syncwindow override resume'")),
        .init(
            name: "released inside the window: hands off, even with our standby paused", desired: .syncing,
            primary: "SYNCING", standby: "SUSPENDED", owned: [.standby], handsOff: true, expected: .done),
        .init(
            name: "window closed after a side was released: finish the pause, then resume", desired: .syncing,
            primary: "SYNCING", standby: "SUSPENDED", owned: [.standby],
            expected: .call(.pause, [.primary], why: "complete a half-done pause so both sides can resume")),
    ]

    /// The cloud moves a pair only once both sides were called (until then both read
    /// SUSPENDING or RECOVERYING), and a call it accepted may never be carried out.
    static let twoSidedCases: [Case] = [
        .init(
            name: "our pause reached only the primary, both SUSPENDING: call the standby before waiting",
            desired: .paused, primary: "SUSPENDING", standby: "SUSPENDING", owned: [.primary],
            calls: [.primary: .standing(.pause)], expected: .call(.pause, [.standby], why: completePause)),
        .init(
            name: "window closed before our pause reached the standby: still complete it first",
            desired: .syncing, primary: "SUSPENDING", standby: "SUSPENDING", owned: [.primary],
            calls: [.primary: .standing(.pause), .standby: .standing(.resume)],
            expected: .call(.pause, [.standby], why: completePause)),
        .init(
            name: "our resume reached only the primary, both RECOVERYING: call the standby before waiting",
            desired: .syncing, primary: "RECOVERYING", standby: "RECOVERYING", owned: [.standby],
            calls: [.primary: .standing(.resume), .standby: .standing(.pause)],
            expected: .call(.resume, [.standby], why: completeResume)),
        .init(
            name: "both sides called, SUSPENDING: follow", desired: .paused, primary: "SUSPENDING",
            standby: "SUSPENDING", owned: both, calls: [.primary: .standing(.pause), .standby: .standing(.pause)],
            expected: .wait("primary SUSPENDING")),
        .init(
            name: "someone else's half-called pause (no call of ours): follow, never join it", desired: .paused,
            primary: "SUSPENDING", standby: "SUSPENDING", calls: [.primary: .standing(.resume)],
            expected: .wait("primary SUSPENDING")),
        .init(
            name: "our standby's pause accepted, never carried out, both SUSPENDING: call it again",
            desired: .paused, primary: "SUSPENDING", standby: "SUSPENDING", owned: both,
            calls: [.primary: .standing(.pause), .standby: .unconfirmed(.pause, jobID: "job-1", reissued: false)],
            expected: .call(.pause, [.standby], why: completePause)),
        .init(
            name: "our primary's pause accepted, never carried out, primary SYNCING: pause it, not released",
            desired: .paused, primary: "SYNCING", standby: "SUSPENDED", owned: both,
            calls: [.primary: .unconfirmed(.pause, jobID: "job-1", reissued: false), .standby: .standing(.pause)],
            expected: .call(.pause, [.primary], why: "pause for the window")),
        .init(
            name: "a re-issued pause that never took either: fail loudly naming the job", desired: .paused,
            primary: "SUSPENDING", standby: "SUSPENDING", owned: both,
            calls: [.primary: .unconfirmed(.pause, jobID: "job-2", reissued: true), .standby: .standing(.pause)],
            expected: .blocked(
                "pause on primary did not take twice: the cloud accepted the re-issued call (job job-2) but never "
                    + "showed that job, and primary reads SUSPENDING; check the instance and its jobs in the "
                    + "console. syncwindow does not call it again")),
        .init(
            name: "our resumes accepted, never carried out: the pause is still ours, resume both", desired: .syncing,
            primary: "SUSPENDED", standby: "SUSPENDED",
            calls: [
                .primary: .unconfirmed(.resume, jobID: "job-1", reissued: false),
                .standby: .unconfirmed(.resume, jobID: "job-2", reissued: false),
            ],
            expected: .call(.resume, [.primary, .standby], why: "resume after the window")),
        // A status the API does not document is named as it came.
        .init(
            name: "unknown status: named, quoted", desired: .paused, primary: "SYNCING", standby: "FROZEN",
            expected: .blocked("standby reports an unknown sync status \"FROZEN\"" + checkConsole)),
        .init(
            name: "empty status: said to be empty", desired: .syncing, primary: "", standby: "SYNCING",
            expected: .blocked("primary reports an empty sync status" + checkConsole)),
        .init(
            name: "NEW: no active DR relationship", desired: .paused, primary: "SYNCING", standby: "NEW",
            expected: .blocked(
                "standby reports sync status NEW: the DR relationship is not active yet, nothing to pause or resume")),
    ]

    @Test(arguments: twoSidedCases)
    func decidesTwoSided(_ testCase: Case) {
        decides(testCase)
    }

    @Test(arguments: cases)
    func decides(_ testCase: Case) {
        let override =
            testCase.holdSyncing
            ? ActiveOverride(state: .syncing, until: .distantFuture, actor: "ops", reason: "incident") : nil
        let step = Step.decide(
            desired: testCase.desired,
            live: LiveState(
                primary: DataSyncState(rawValue: testCase.primary), standby: DataSyncState(rawValue: testCase.standby)),
            ownedSides: testCase.owned, override: override, handsOff: testCase.handsOff, calls: testCase.calls)
        #expect(step == testCase.expected)
    }
}
