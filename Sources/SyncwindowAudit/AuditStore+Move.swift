import Foundation
import GRDB

extension AuditStore {
    /// The newest row: what the next append links to, and whether the trail was moved.
    struct Head: Sendable {
        let id: Int64
        let hash: String
        let kind: String
        let detail: String?

        static func fetch(_ db: Database) throws -> Head? {
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, hash, kind, detail FROM event ORDER BY id DESC LIMIT 1")
            ).map { Head(id: $0["id"], hash: $0["hash"], kind: $0["kind"], detail: $0["detail"]) }
        }
    }

    /// Where `audit migrate` moved the trail, when `head` is its `trail_moved` mark.
    static func movedTo(_ head: Head?) -> String? {
        guard let head, head.kind == AuditKind.trailMoved.rawValue else { return nil }
        return head.detail ?? "another store"
    }

    /// Where `audit migrate` moved this trail, if it did.
    public func movedDestination() async throws -> String? {
        try await mappingErrors { try await database.read { try Self.movedTo(Head.fetch($0)) } }
    }

    /// Appends `mark` (a `trail_moved` event) unless the trail already ends with one, in the
    /// write transaction that checks: from its commit on, every append refuses (`.moved`), so
    /// the rows up to the mark are the whole trail, and a copy of them is complete.
    /// - Returns: the trail's newest event, the mark; `earlier` when an earlier migrate made it
    ///   (one whose copy failed, run again).
    public func markMoved(_ mark: NewAuditEvent) async throws -> (mark: AuditEvent, earlier: Bool) {
        precondition(mark.kind == .trailMoved, "markMoved appends a trail_moved event")
        let recordedAt = wallClock()
        let mark = [mark].stampingHost(host)
        return try await mappingErrors {
            try await writes.write { db in
                let head = try Head.fetch(db)
                if let head, Self.movedTo(head) != nil,
                    let row = try Row.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [head.id])
                {
                    return (AuditRow.event(from: row), true)
                }
                return (try Self.insert(mark, after: head, recordedAt: recordedAt, db)[0], false)
            }
        }
    }
}
