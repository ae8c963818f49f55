import GRDB

/// Compares a trail's schema with what this binary's migrations create. The hash chain
/// proves the rows; this proves the guarantees around them: the append-only triggers
/// are present with the SQL the migration wrote, and every migration is recorded.
enum AuditSchemaCheck {
    /// What the migrations create, from running them on an empty in-memory database:
    /// the reference can never drift from the migrations themselves.
    static let expectedTriggers: [String: String] = {
        do {
            let queue = try DatabaseQueue()
            try AuditSchema.migrator.migrate(queue)
            return try queue.read(triggers)
        } catch {
            fatalError("the audit migrations fail on an empty database: \(error)")
        }
    }()

    static var knownMigrations: [String] { AuditSchema.migrator.migrations }

    /// One sentence per problem ("has lost its append-only trigger …"), empty when intact.
    static func problems(_ db: Database) throws -> [String] {
        var problems: [String] = []
        // An index not yet added guards nothing: only the migrations that shape the rows count.
        let missingMigrations = try missingForReading(db)
        if !missingMigrations.isEmpty {
            problems.append(
                "lacks the migration \(missingMigrations.joined(separator: ", ")) in grdb_migrations")
        }
        let present = try triggers(db)
        for (name, sql) in expectedTriggers.sorted(by: { $0.key < $1.key }) {
            switch present[name] {
            case nil: problems.append("has lost its append-only trigger \(name)")
            case sql: continue
            default: problems.append("has an altered append-only trigger \(name)")
            }
        }
        return problems
    }

    /// Known migrations the trail has not recorded (a trail older than this binary, or tampered).
    static func missingMigrations(_ db: Database) throws -> [String] {
        let applied = try AuditSchema.migrator.appliedIdentifiers(db)
        return knownMigrations.filter { !applied.contains($0) }
    }

    /// The missing migrations a reader cannot do without (all but those adding an index).
    static func missingForReading(_ db: Database) throws -> [String] {
        try missingMigrations(db).filter { !AuditSchema.indexOnlyMigrations.contains($0) }
    }

    private static func triggers(_ db: Database) throws -> [String: String] {
        let rows = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return Dictionary(rows.map { ($0["name"], $0["sql"]) }, uniquingKeysWith: { first, _ in first })
    }
}

extension AuditStore {
    /// Problems with the schema's guarantees (see `AuditSchemaCheck`), for `audit verify`.
    public func schemaProblems() async throws -> [String] {
        try await mappingErrors { try await database.read(AuditSchemaCheck.problems) }
    }
}
