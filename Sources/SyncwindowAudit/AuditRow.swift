import Foundation
import GRDB

/// Mapping between `AuditEvent` and its table row, and the exact fields the hash covers.
package struct AuditRow {
    package let id: Int64
    package let recordedAtText: String
    package let event: NewAuditEvent

    package init(id: Int64, recordedAt: Date, event: NewAuditEvent) {
        self.id = id
        self.recordedAtText = AuditTimestamp.string(recordedAt)
        self.event = event
    }

    /// One column the hash covers: its name in the table, whether the table stores it as an
    /// integer (hashed as its decimal text), and its text for an event.
    package struct HashedColumn: Sendable {
        package let name: String
        package var isInteger = false
        /// Left out of the hash while NULL: a column added after the first release, so that
        /// every row written before it existed keeps the hash it was written with.
        package var hashedOnlyWhenSet = false
        package let text: @Sendable (NewAuditEvent) -> String?
    }

    /// The columns the hash covers, beside `id` and `recorded_at`: the one list that appending
    /// and `verify` (every driver's) read, so the two can never disagree. Never change it
    /// once shipped: every stored hash depends on it.
    package static let hashedColumns: [HashedColumn] = [
        HashedColumn(name: "at") { AuditTimestamp.string($0.at) },
        HashedColumn(name: "pass_id") { $0.passID },
        HashedColumn(name: "pair") { $0.pair },
        HashedColumn(name: "side") { $0.side?.rawValue },
        HashedColumn(name: "window") { $0.window },
        HashedColumn(name: "kind") { $0.kind.rawValue },
        HashedColumn(name: "outcome") { $0.outcome },
        HashedColumn(name: "job_id") { $0.jobID },
        HashedColumn(name: "actor") { $0.actor },
        HashedColumn(name: "reason") { $0.reason },
        HashedColumn(name: "detail") { $0.detail },
        HashedColumn(name: "until") { $0.until.map(AuditTimestamp.string) },
        HashedColumn(name: "intent_id", isInteger: true) { $0.intentID.map(String.init) },
        HashedColumn(name: "host", hashedOnlyWhenSet: true) { $0.host },
    ]

    /// Names of the columns `AuditChain.hash` leaves out while NULL.
    static let columnsHashedOnlyWhenSet = Set(hashedColumns.filter(\.hashedOnlyWhenSet).map(\.name))

    package var hashedFields: [String: String?] {
        Dictionary(uniqueKeysWithValues: Self.hashedColumns.map { ($0.name, $0.text(event)) })
    }

    var arguments: StatementArguments {
        [
            id, AuditTimestamp.string(event.at), recordedAtText, event.passID, event.pair, event.side?.rawValue,
            event.window, event.kind.rawValue, event.outcome, event.jobID, event.actor, event.reason, event.detail,
            event.until.map(AuditTimestamp.string), event.intentID, event.host,
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
            until: (row["until"] as String?).flatMap(AuditTimestamp.date), intentID: row["intent_id"],
            host: row["host"])
        return AuditEvent(
            id: row["id"], recordedAt: AuditTimestamp.date(recordedText) ?? Date(timeIntervalSince1970: 0),
            event: event,
            previousHash: row["prev_hash"], hash: row["hash"])
    }
}
