import Foundation
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
        var owned = false
        var holdSyncing = false
        var expected: Step
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(
            name: "window open, both syncing: pause both", desired: .paused, primary: "SYNCING", standby: "SYNCING",
            expected: .call(.pause, [.primary, .standby], why: "pause for the window")),
        .init(
            name: "window open, our pause undone by someone: let go", desired: .paused, primary: "SYNCING",
            standby: "SYNCING", owned: true,
            expected: .resumedBySomeoneElse("primary SYNCING, standby SYNCING")),
        .init(
            name: "window open, both paused: nothing", desired: .paused, primary: "SUSPENDED", standby: "SUSPENDED",
            owned: true,
            expected: .done),
        .init(
            name: "window open, standby still syncing: pause only it", desired: .paused, primary: "SUSPENDED",
            standby: "SYNCING", owned: true, expected: .call(.pause, [.standby], why: "pause for the window")),
        .init(
            name: "pause under way: follow it", desired: .paused, primary: "SUSPENDING", standby: "SUSPENDED",
            expected: .wait("primary SUSPENDING")),
        .init(
            name: "window closed, ours: resume both", desired: .syncing, primary: "SUSPENDED", standby: "SUSPENDED",
            owned: true, expected: .call(.resume, [.primary, .standby], why: "resume after the window")),
        .init(
            name: "window closed, someone else's pause: drift", desired: .syncing, primary: "SUSPENDED",
            standby: "SUSPENDED", expected: .drift("primary SUSPENDED, standby SUSPENDED")),
        .init(
            name: "operator holds syncing over a foreign pause: resume", desired: .syncing, primary: "SUSPENDED",
            standby: "SUSPENDED", holdSyncing: true,
            expected: .call(.resume, [.primary, .standby], why: "resume after the window")),
        .init(
            name: "half-done pause of ours: finish it so both can resume", desired: .syncing, primary: "SUSPENDED",
            standby: "SYNCING", owned: true,
            expected: .call(.pause, [.standby], why: "complete a half-done pause so both sides can resume")),
        .init(
            name: "both syncing outside windows: nothing", desired: .syncing, primary: "SYNCING", standby: "SYNCING",
            expected: .done),
        .init(
            name: "resume under way: follow it", desired: .syncing, primary: "SYNCING", standby: "RECOVERYING",
            owned: true, expected: .wait("standby RECOVERYING")),
        .init(
            name: "no DR relationship: blocked", desired: .paused, primary: "NA", standby: "SYNCING",
            expected: .blocked("primary reports sync status NA: no DR relationship to pause or resume")),
    ]

    @Test(arguments: cases)
    func decides(_ testCase: Case) {
        let override =
            testCase.holdSyncing
            ? ActiveOverride(state: .syncing, until: .distantFuture, actor: "ops", reason: "incident") : nil
        let step = Step.decide(
            desired: testCase.desired, live: LiveStatus(primary: testCase.primary, standby: testCase.standby),
            ownedSides: testCase.owned, override: override)
        #expect(step == testCase.expected)
    }
}
