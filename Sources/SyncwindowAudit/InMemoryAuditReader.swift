import Foundation

/// `InMemoryAuditStore`'s snapshot reader: the SQL of `AuditReader`, as scans over a copy
/// of the raw rows (oldest first), comparing stored text as SQLite does. Its answers are
/// synchronous (a scan), which satisfies the protocol's `async` requirements as they are.
struct InMemoryAuditReader: AuditLedgerReading {
    let rows: [AuditRawRow]

    func unsettledIntents(pair: String) throws -> [AuditEvent] {
        let settled = Set(rows.compactMap { $0.text("intent_id") })
        let intentKinds = UnsettledIntents.kinds.map(\.rawValue)
        let intents = rows.filter { $0.text("pair") == pair && intentKinds.contains($0.text("kind") ?? "") }
        // After the newest settled intent only, as the SQL drivers look (see `UnsettledIntents`).
        let newestSettled = intents.last { settled.contains(String($0.id)) }?.id ?? 0
        return intents.filter { $0.id > newestSettled && !settled.contains(String($0.id)) }.map(\.event)
    }

    func latest(
        pair: String, kinds: [AuditKind], side: PairSide?, window: String?, outcomes: [String]?
    ) throws -> AuditEvent? {
        let kindTexts = kinds.map(\.rawValue)
        return rows.last { row in
            // A NULL column never equals a filter value, as in SQL.
            row.text("pair") == pair && kindTexts.contains(row.text("kind") ?? "")
                && (side == nil || row.text("side") == side?.rawValue)
                && (window == nil || row.text("window") == window)
                && (outcomes.map { row.text("outcome").map($0.contains) ?? false } ?? true)
        }?.event
    }

    func hasEvent(pair: String, window: String, kind: AuditKind, detail: String) throws -> Bool {
        rows.contains {
            $0.text("pair") == pair && $0.text("window") == window && $0.text("kind") == kind.rawValue
                && $0.text("detail") == detail
        }
    }

    func openWindowEdges(pair: String) throws -> [AuditEvent] {
        let edgeKinds = [AuditKind.windowOpened.rawValue, AuditKind.windowClosed.rawValue]
        let recent = rows.reversed().lazy
            .filter { $0.text("pair") == pair && edgeKinds.contains($0.text("kind") ?? "") }
            .prefix(AuditWindowEdges.recentLimit)
        return AuditWindowEdges.open(newestFirst: recent.map(\.event))
    }

    func latestUnpaired(kind: AuditKind, atOrBefore instant: Date) throws -> AuditEvent? {
        let limit = AuditTimestamp.string(instant)
        return rows.filter {
            $0.text("pair") == nil && $0.text("kind") == kind.rawValue && ($0.text("at") ?? "") <= limit
        }
        .max { ($0.text("at") ?? "", $0.id) < ($1.text("at") ?? "", $1.id) }?.event
    }

    func newestUnpaired(kind: AuditKind, host: String?) throws -> AuditEvent? {
        rows.last {
            $0.text("pair") == nil && $0.text("kind") == kind.rawValue && (host == nil || $0.text("host") == host)
        }?.event
    }

    func pairTrail(pair: String, latest questions: [LatestEventQuestion]) throws -> PairTrailAnswers {
        try PairTrailAnswers.oneByOne(
            questions,
            latest: {
                try latest(pair: pair, kinds: $0.kinds, side: $0.side, window: $0.window, outcomes: $0.outcomes)
            },
            unsettledIntents: { try unsettledIntents(pair: pair) }, openWindowEdges: { try openWindowEdges(pair: pair) }
        )
    }

    func pairNames() throws -> [String] {
        // SQLite's BINARY collation compares UTF-8 bytes; the skip scan starts above ''.
        Set(rows.compactMap { $0.text("pair") }.filter { !$0.isEmpty })
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

extension AuditQuery {
    /// The WHERE clause of `sql()`, for rows held in memory.
    func matches(_ row: AuditRawRow) -> Bool {
        let at = row.text("at") ?? ""
        if let since, at < AuditTimestamp.string(since) { return false }
        if let until, at >= AuditTimestamp.string(until) { return false }
        if let pair, row.text("pair") != pair { return false }
        if let kinds, !kinds.map(\.rawValue).contains(row.text("kind") ?? "") { return false }
        return true
    }
}

extension AuditRawRow {
    /// A hashed column's stored text; nil for NULL.
    package func text(_ column: String) -> String? {
        fields[column] ?? nil
    }

    /// Decodes the row as `AuditRow.event(from:)` decodes an SQLite row.
    package var event: AuditEvent {
        let event = NewAuditEvent(
            at: AuditTimestamp.dateOrEpoch(text("at") ?? ""), passID: text("pass_id"), pair: text("pair"),
            side: text("side").flatMap(PairSide.init(rawValue:)), window: text("window"),
            kind: text("kind").flatMap(AuditKind.init(rawValue:)) ?? .error, outcome: text("outcome"),
            jobID: text("job_id"), actor: text("actor") ?? "", reason: text("reason"), detail: text("detail"),
            until: text("until").flatMap(AuditTimestamp.date), intentID: text("intent_id").flatMap { Int64($0) },
            host: text("host"))
        return AuditEvent(
            id: id, recordedAt: AuditTimestamp.dateOrEpoch(recordedAt), event: event, previousHash: previousHash,
            hash: hash)
    }
}
