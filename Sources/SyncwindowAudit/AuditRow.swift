import Foundation
import GRDB
import Synchronization

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
        Columns.of(row).event(row)
    }

    /// Where each column sits in a row of one query, found once: a name lookup per value costs GRDB a
    /// case-insensitive scan of every column name when rows are copied (`fetchAll`), a million times over
    /// for a year's trail.
    package struct Columns: Sendable, Equatable {
        let names: [String]
        let id, at, recordedAt, passID, pair, side, window, kind, outcome, jobID, actor, reason, detail, until,
            intentID, host, previousHash, hash: Int?

        package init(_ names: [String]) {
            self.names = names
            var index: [String: Int] = [:]
            for (position, name) in names.enumerated() where index[name.lowercased()] == nil {
                index[name.lowercased()] = position
            }
            id = index["id"]
            at = index["at"]
            recordedAt = index["recorded_at"]
            passID = index["pass_id"]
            pair = index["pair"]
            side = index["side"]
            window = index["window"]
            kind = index["kind"]
            outcome = index["outcome"]
            jobID = index["job_id"]
            actor = index["actor"]
            reason = index["reason"]
            detail = index["detail"]
            until = index["until"]
            intentID = index["intent_id"]
            host = index["host"]
            previousHash = index["prev_hash"]
            hash = index["hash"]
        }

        private static let last = Mutex<Columns?>(nil)

        /// The layout of `row`'s query: the one seen last when the names match (rows come by the thousand from
        /// one query), else worked out and kept.
        static func of(_ row: Row) -> Columns {
            let names = Array(row.columnNames)
            if let known = last.withLock({ $0 }), known.names == names { return known }
            let columns = Columns(names)
            last.withLock { $0 = columns }
            return columns
        }

        /// The event in `row`, as `AuditRow.event(from:)` reads it by name: a missing column reads as NULL.
        package func event(_ row: Row) -> AuditEvent {
            func text(_ index: Int?) -> String? { index.flatMap { row[$0] as String? } }
            let kindText = text(kind) ?? ""
            let event = NewAuditEvent(
                at: text(at).flatMap(AuditTimestamp.date) ?? Date(timeIntervalSince1970: 0), passID: text(passID),
                pair: text(pair), side: text(side).flatMap(PairSide.init(rawValue:)), window: text(window),
                kind: AuditKind(rawValue: kindText) ?? .error, outcome: text(outcome), jobID: text(jobID),
                actor: text(actor) ?? "", reason: text(reason), detail: text(detail),
                until: text(until).flatMap(AuditTimestamp.date), intentID: intentID.flatMap { row[$0] as Int64? },
                host: text(host))
            return AuditEvent(
                id: id.flatMap { row[$0] as Int64? } ?? 0,
                recordedAt: text(recordedAt).flatMap(AuditTimestamp.date) ?? Date(timeIntervalSince1970: 0),
                event: event, previousHash: text(previousHash) ?? "", hash: text(hash) ?? "")
        }
    }
}
