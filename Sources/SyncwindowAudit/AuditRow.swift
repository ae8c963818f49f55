import Foundation
import GRDB

/// Mapping between `AuditEvent` and its table row, and the exact fields the hash covers.
struct AuditRow {
    let id: Int64
    let recordedAtText: String
    let event: NewAuditEvent

    init(id: Int64, recordedAt: Date, event: NewAuditEvent) {
        self.id = id
        self.recordedAtText = AuditTimestamp.string(recordedAt)
        self.event = event
    }

    var hashedFields: [String: String?] {
        [
            "at": AuditTimestamp.string(event.at), "pass_id": event.passID, "pair": event.pair,
            "side": event.side?.rawValue, "window": event.window, "kind": event.kind.rawValue, "outcome": event.outcome,
            "job_id": event.jobID, "actor": event.actor, "reason": event.reason, "detail": event.detail,
            "until": event.until.map(AuditTimestamp.string), "intent_id": event.intentID.map(String.init),
        ]
    }

    var arguments: StatementArguments {
        [
            id, AuditTimestamp.string(event.at), recordedAtText, event.passID, event.pair, event.side?.rawValue,
            event.window, event.kind.rawValue, event.outcome, event.jobID, event.actor, event.reason, event.detail,
            event.until.map(AuditTimestamp.string), event.intentID,
        ]
    }

    /// Decodes a stored row. Unknown kinds or bad timestamps surface as `error` events
    /// rather than crashing a report; `audit verify` flags them via the hash anyway.
    static func event(from row: Row) -> AuditEvent {
        let kindText: String = row["kind"]
        let atText: String = row["at"]
        let recordedText: String = row["recorded_at"]
        let event = NewAuditEvent(
            at: AuditTimestamp.date(atText) ?? Date(timeIntervalSince1970: 0), passID: row["pass_id"],
            pair: row["pair"],
            side: (row["side"] as String?).flatMap(PairSide.init(rawValue:)), window: row["window"],
            kind: AuditKind(rawValue: kindText) ?? .error, outcome: row["outcome"], jobID: row["job_id"],
            actor: row["actor"], reason: row["reason"], detail: row["detail"],
            until: (row["until"] as String?).flatMap(AuditTimestamp.date), intentID: row["intent_id"])
        return AuditEvent(
            id: row["id"], recordedAt: AuditTimestamp.date(recordedText) ?? Date(timeIntervalSince1970: 0),
            event: event,
            previousHash: row["prev_hash"], hash: row["hash"])
    }
}
