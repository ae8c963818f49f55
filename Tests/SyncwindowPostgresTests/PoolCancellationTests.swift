import Foundation
import Logging
import SyncwindowTestSupport
import Testing

@testable import SyncwindowPostgres

/// A statement cancelled mid-flight closes its connection; the pool must not hand that connection
/// to the next operation while it is still closing.
@Suite("PostgreSQL pool and cancellation", .enabled(if: PostgresServer.available))
struct PoolCancellationTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test(
        "after a statement is cancelled mid-flight, the next operation gets a working connection",
        .timeLimit(.minutes(2)))
    func nextOperationAfterCancel() async throws {
        let database = try PostgresServer.shared().makeDatabase()
        var settings = database.settings
        settings.timeout = .seconds(10)
        try await PostgresBackend.with(settings, password: PostgresServer.rolePassword, logger: Self.quiet) { backend in
            try await backend.withConnection { try await $0.run("SELECT 1", logger: Self.quiet) }
            for round in 1...20 {
                let tag = "syncwindow-cancel-\(round)"
                let sleeper = Task {
                    try await backend.withConnection {
                        try await $0.run("SELECT pg_sleep(30) /* \(unescaped: tag) */", logger: Self.quiet)
                    }
                }
                // Cancel only once the statement is on the server (seen from a connection outside the pool).
                try await waitUntilRunning(tag, backend: backend)
                sleeper.cancel()
                _ = await sleeper.result
                try await backend.withConnection { try await $0.run("SELECT 1", logger: Self.quiet) }
            }
        }
    }

    func waitUntilRunning(_ tag: String, backend: PostgresBackend) async throws {
        try await backend.withDirectConnection { connection in
            let pattern = "%\(tag) */"
            while true {
                let rows = try await connection.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE \(pattern)",
                    logger: Self.quiet
                ).collect()
                if let count = try rows.first?.decode(Int.self), count > 0 { return }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }
}
