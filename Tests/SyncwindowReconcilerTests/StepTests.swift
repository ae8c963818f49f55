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
        var expected: Step
        var testDescription: String { name }
    }

    static let both: Set<PairSide> = [.primary, .standby]

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

    @Test(arguments: cases)
    func decides(_ testCase: Case) {
        let override =
            testCase.holdSyncing
            ? ActiveOverride(state: .syncing, until: .distantFuture, actor: "ops", reason: "incident") : nil
        let step = Step.decide(
            desired: testCase.desired,
            live: LiveState(
                primary: DataSyncState(rawValue: testCase.primary), standby: DataSyncState(rawValue: testCase.standby)),
            ownedSides: testCase.owned, override: override, handsOff: testCase.handsOff)
        #expect(step == testCase.expected)
    }
}
