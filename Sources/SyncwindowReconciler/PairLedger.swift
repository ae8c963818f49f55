import Foundation
import GeminiDBAPI
import SyncwindowAudit
import SyncwindowSchedule

/// syncwindow's latest call on one side that still stands, as the trail records it.
struct LedgerCall: Sendable, Equatable {
    var action: SyncAction
    /// The cloud's job for it; nil when a later pass found it landed from live status alone.
    var jobID: String?
    /// The trail records the job completed.
    var jobCompleted: Bool
    /// The call was a re-issue of one the cloud accepted and never carried out.
    var reissue: Bool
}

/// What the audit trail says about a pair: the operator's hold, which sides syncwindow
/// itself paused, and calls a killed pass may have left unsettled. Derived from the
/// append-only events, so the trail is the single source of truth.
struct PairLedger: Sendable {
    var override: ActiveOverride?
    /// The override event that is in force, or that expired without a later event saying so.
    var lastOverrideEvent: AuditEvent?
    var ownedSides: Set<PairSide>
    /// Each side's latest call of syncwindow that still stands (accepted or landed, its job
    /// not failed, not let go since); see ``LedgerCall``.
    var calls: [PairSide: LedgerCall] = [:]
    var unsettledIntents: [AuditEvent]
    /// When syncwindow last found its own pause undone by someone else.
    var lastReleasedAt: Date?
    /// `window_opened` events no `window_closed` follows yet (read in the same snapshot, so
    /// an idle pass asks the trail one question per pair).
    var openWindowEdges: [AuditEvent] = []
    /// The latest `at` among the events the ledger read: on a shared store, no pass acts on
    /// the pair at an instant well before it (the trail never runs backwards).
    var newestEventAt: Date?

    var ownsPause: Bool { !ownedSides.isEmpty }

    /// The desired state for this pair at `instant`, given what the ledger knows.
    func desiredState(pair: String, at instant: Date, schedule: Schedule) -> DesiredState {
        DesiredState.evaluate(
            pair: pair, at: instant, schedule: schedule, override: override, alreadyPausedBySchedule: ownsPause,
            resumedBySomeoneElseAt: lastReleasedAt)
    }

    /// What the ledger asks of the trail, by name: its answers are found by these names, not
    /// by their positions in the list sent.
    enum Question: Hashable, CaseIterable {
        /// The newest override event.
        case override
        /// The side's newest event that says who holds it.
        case hold(PairSide)
        /// The newest release of syncwindow's pause (someone else resumed it).
        case released
        /// The side's newest completed job.
        case completedJob(PairSide)

        static let allCases: [Question] =
            [.override] + PairSide.allCases.map(Question.hold) + [.released]
            + PairSide.allCases.map(Question.completedJob)

        var asked: LatestEventQuestion {
            switch self {
            case .override:
                LatestEventQuestion(kinds: [.overrideSet, .overrideCleared, .overrideExpired])
            case .hold(let side):
                LatestEventQuestion(
                    kinds: [.pauseOutcome, .resumeOutcome, .jobFailed, .drift], side: side,
                    outcomes: [.accepted, .landed, .jobFailed, .released])
            case .released:
                LatestEventQuestion(kinds: [.drift], outcomes: [.released])
            case .completedJob(let side):
                LatestEventQuestion(kinds: [.jobCompleted], side: side)
            }
        }

        /// Where each question stands in ``questions``.
        static let positions = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })
    }

    /// The questions, in the order they are sent.
    static let questions: [LatestEventQuestion] = Question.allCases.map(\.asked)

    /// The ledger, in one `pairTrail` (one statement on PostgreSQL): from a store, or a snapshot of it.
    static func load(pair: String, at instant: Date, from reader: any AuditLedgerReading) async throws -> PairLedger {
        let answers = try await reader.pairTrail(pair: pair, latest: questions)
        return PairLedger(answers, at: instant)
    }

    /// The ledger, and the answers to a caller's own questions asked in the same go, each found by its name.
    static func load<Extra: CaseIterable & Hashable>(
        pair: String, at instant: Date, from reader: any AuditLedgerReading,
        also extra: Extra.Type, asking: (Extra) -> LatestEventQuestion
    ) async throws -> (ledger: PairLedger, extra: [Extra: AuditEvent]) {
        let asked = Array(Extra.allCases)
        let answers = try await reader.pairTrail(pair: pair, latest: questions + asked.map(asking))
        var found: [Extra: AuditEvent] = [:]
        for (question, answer) in zip(asked, answers.latest.dropFirst(questions.count)) { found[question] = answer }
        return (PairLedger(answers, at: instant), found)
    }

    /// An override whose time ran out with no event saying so yet.
    func expiredOverride(at instant: Date) -> AuditEvent? {
        guard let event = lastOverrideEvent, event.event.kind == .overrideSet, let until = event.event.until,
            until <= instant
        else { return nil }
        return event
    }
}

extension PairLedger {
    /// The ledger from the answers to ``questions`` (the first of `answers.latest`), each found by its question.
    init(_ answers: PairTrailAnswers, at instant: Date) {
        func answer(_ question: Question) -> AuditEvent? { answers.latest[Question.positions[question]!] }
        let overrideEvent = answer(.override)
        var override: ActiveOverride?
        if let event = overrideEvent?.event, event.kind == .overrideSet, let until = event.until, until > instant,
            let state = event.overrideState
        {
            override = ActiveOverride(state: state, until: until, actor: event.actor, reason: event.reason ?? "")
        }
        var owned: Set<PairSide> = []
        var calls: [PairSide: LedgerCall] = [:]
        for side in PairSide.allCases {
            guard let last = answer(.hold(side))?.event else { continue }
            if last.sideHold == .syncwindow { owned.insert(side) }
            if last.kind == .pauseOutcome || last.kind == .resumeOutcome {
                let completed = answer(.completedJob(side))?.event.jobID
                calls[side] = LedgerCall(
                    action: last.kind == .pauseOutcome ? .pause : .resume, jobID: last.jobID,
                    jobCompleted: last.jobID != nil && completed == last.jobID,
                    reissue: last.reason?.hasPrefix(SideCall.reissuePrefix) == true)
            }
        }
        let released = answer(.released)
        let read = answers.latest.compactMap { $0 } + answers.unsettledIntents + answers.openWindowEdges
        self.init(
            override: override, lastOverrideEvent: overrideEvent, ownedSides: owned, calls: calls,
            unsettledIntents: answers.unsettledIntents, lastReleasedAt: released?.event.at,
            openWindowEdges: answers.openWindowEdges, newestEventAt: read.map(\.event.at).max())
    }
}
