import SyncwindowAudit

/// What `audit verify` concludes about a trail: its rows (the hash chain) and the guarantees
/// around them (the append-only guards, the migrations). One judgement for `audit verify` and
/// for `audit migrate`, which copies only a trail that verify accepts.
enum AuditVerdict {
    /// The trail's event count and head hash when its rows verify and its guarantees hold;
    /// otherwise the one line `audit verify` prints for it, exit 1.
    static func require(_ audit: any AuditStoring) async throws -> (count: Int, head: String) {
        // The rows first (the first bad row is the most specific finding), then the
        // guarantees around them: a trail whose triggers are gone is not intact either.
        let schemaProblems = try await audit.schemaProblems()
        switch try await audit.verify() {
        case .intact(let count, let head):
            guard schemaProblems.isEmpty else {
                throw CLIFailure(
                    "audit trail NOT PROTECTED: its \(count) rows verify, but it "
                        + schemaProblems.joined(separator: "; it ")
                        + " — append-only is no longer enforced; restore it from backup",
                    exitCode: ExitStatus.notConverged)
            }
            return (count, head)
        case .broken(let rowID, let problem):
            let unprotected = schemaProblems.isEmpty ? "" : "; and it " + schemaProblems.joined(separator: "; it ")
            throw CLIFailure(
                "audit trail BROKEN at row \(rowID): \(problem)\(unprotected)", exitCode: ExitStatus.notConverged)
        }
    }
}
