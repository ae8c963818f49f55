import Foundation
import Logging
import SyncwindowTestSupport
import Testing

@testable import SyncwindowAudit
@testable import SyncwindowPostgres

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)
private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Ways a superuser (or the owner) can leave the PostgreSQL guards in place but guarding nothing, and
/// what `audit verify` (`schemaProblems`) and a writing open say about each.
enum PostgresGuardTamper: String, CaseIterable, CustomTestStringConvertible {
    case dropped, disabled, replicaOnly, truncateDisabled, neverRaises, whenFalse, alwaysEnabled

    var testDescription: String { rawValue }

    var sql: String {
        switch self {
        case .dropped: "DROP TRIGGER event_is_append_only ON event"
        case .disabled: "ALTER TABLE event DISABLE TRIGGER event_is_append_only"
        case .replicaOnly: "ALTER TABLE event ENABLE REPLICA TRIGGER event_is_append_only"
        case .truncateDisabled: "ALTER TABLE event DISABLE TRIGGER event_is_never_truncated"
        // Still says RAISE EXCEPTION, but never gets there: lets every DELETE through.
        case .neverRaises:
            """
            CREATE OR REPLACE FUNCTION syncwindow_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF false THEN RAISE EXCEPTION 'audit events are append-only: % is refused', TG_OP; END IF;
                RETURN OLD;
            END
            $$
            """
        case .whenFalse:
            """
            DROP TRIGGER event_is_append_only ON event;
            CREATE TRIGGER event_is_append_only BEFORE UPDATE OR DELETE ON event
            FOR EACH ROW WHEN (false) EXECUTE FUNCTION syncwindow_refuse_change()
            """
        // `A` fires always, replica sessions included: still a guard.
        case .alwaysEnabled: "ALTER TABLE event ENABLE ALWAYS TRIGGER event_is_append_only"
        }
    }

    /// The one problem verify reports, nil when the trail is still guarded.
    var problem: String? {
        switch self {
        case .dropped: "has lost its append-only trigger event_is_append_only"
        case .disabled: "has its append-only trigger event_is_append_only disabled"
        case .replicaOnly:
            "has its append-only trigger event_is_append_only set to fire only on replicas (ENABLE REPLICA TRIGGER), "
                + "so it refuses nothing here"
        case .truncateDisabled: "has its append-only trigger event_is_never_truncated disabled"
        case .neverRaises:
            "has an altered function syncwindow_refuse_change (its body is not the one the migration installed, "
                + "so it may no longer refuse changes)"
        case .whenFalse: "has an altered append-only trigger event_is_append_only"
        case .alwaysEnabled: nil
        }
    }
}

@Suite("PostgreSQL append-only guards", .serialized, .enabled(if: PostgresServer.available))
struct PostgresGuardTests {
    /// The guards as `v1-event` installs them, put back between two tampers: one database for all of them.
    static let restore =
        "DROP TRIGGER IF EXISTS event_is_append_only ON event; DROP TRIGGER IF EXISTS event_is_never_truncated ON event; "
        + ([PostgresSchema.refuseChangeFunction]
        + PostgresSchema.migrations[0].sql.filter { $0.hasPrefix("CREATE TRIGGER") }).joined(separator: "; ")

    @Test("verify names a guard that no longer guards, and a writing open refuses the trail")
    func guardThatNoLongerGuards() async throws {
        // Given a migrated trail with events
        let database = try PostgresServer.shared().makeDatabase()
        try await PostgresBackend.with(database.settings, password: PostgresServer.rolePassword, logger: quiet) {
            backend in
            let store = try await PostgresAuditStore.open(backend, wallClock: { t0 })
            #expect(try await store.schemaProblems().isEmpty, "a freshly migrated store is guarded")
            try await store.append(
                [NewAuditEvent(at: t0, pair: "orders", kind: .drift, actor: "syncwindow")], fence: nil)
            for tamper in PostgresGuardTamper.allCases {
                // When a superuser tampers with a guard
                _ = try database.psql(tamper.sql)
                // Then verify names it, and a pass's open refuses to append
                #expect(try await store.schemaProblems() == (tamper.problem.map { [$0] } ?? []), "\(tamper)")
                if let problem = tamper.problem {
                    await #expect(
                        throws: AuditStoreError.unprotected(path: backend.location, problem: problem), "\(tamper)"
                    ) {
                        _ = try await PostgresAuditStore.open(backend, wallClock: { t0 })
                    }
                } else {
                    _ = try await PostgresAuditStore.open(backend, wallClock: { t0 })
                }
                _ = try database.psql(Self.restore)
                #expect(try await store.schemaProblems().isEmpty, "restored after \(tamper)")
            }
        }
    }
}
