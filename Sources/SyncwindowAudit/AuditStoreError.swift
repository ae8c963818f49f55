import GRDB

/// Why the audit trail cannot be used, in words an operator can act on. The CLI maps each
/// case to one line and an exit status (README "Commands": exit codes).
public enum AuditStoreError: Error, Equatable, CustomStringConvertible {
    /// Another process held a write lock for longer than the busy timeout.
    case busy(path: String, timeout: Duration)
    /// There is no trail yet (the service has not run): reading commands show an empty one.
    case missing(path: String)
    /// The trail predates a migration a reading command needs; readers never migrate.
    case needsMigration(path: String, missing: [String])
    /// The schema's append-only guarantees (triggers, migrations) are gone: nothing may append.
    case unprotected(path: String, problem: String)
    /// The trail cannot be read at all where it lies (e.g. an unreadable write-ahead log).
    case unreadable(path: String, reason: String)
    /// The store did not answer (a database server down or unreachable, or too slow).
    case unavailable(path: String, reason: String)
    /// The store refused syncwindow's role: a wrong password, a database or privilege that
    /// does not exist. A configuration problem, unlike `unavailable`.
    case refused(path: String, reason: String)
    /// An append carried a lease fence that is no longer the pair's current one: another
    /// host took the pair over. Nothing was appended.
    case fenced(pair: String, reason: String)
    /// `audit migrate` moved the trail to another store (`destination`, as its `trail_moved`
    /// event names it): nothing may append here any more. Reading it still works.
    case moved(path: String, destination: String)
    /// The file system holding the trail has no room left (`freeBytes` when it could be asked):
    /// nothing more could be written.
    case diskFull(path: String, freeBytes: UInt64?)

    public var description: String {
        switch self {
        case .busy(let path, let timeout):
            "the audit trail \(path) is busy (another process holds a write lock for more than "
                + "\(Self.seconds(timeout))s); nothing more was done — try again"
        case .missing(let path):
            "no trail at \(path)"
        case .needsMigration(let path, let missing):
            "the audit trail \(path) lacks the migration \(missing.joined(separator: ", ")) this syncwindow reads; "
                + "reading commands never migrate — let a pass (tick) of the service user migrate it"
        case .unprotected(let path, let problem):
            "the audit trail \(path) \(problem); restore it from backup (or re-run the migration's SQL) "
                + "and check it with `syncwindow audit verify` — nothing was appended"
        case .unreadable(let path, let reason):
            "cannot read the audit trail \(path): \(reason)"
        case .unavailable(let path, let reason):
            "the audit store \(path) is unavailable: \(reason)"
        case .refused(let path, let reason):
            "the audit store \(path) refused syncwindow: \(reason) — check store.postgres (url, password_file)"
        case .fenced(let pair, let reason):
            "lost the lease on \(pair) (\(reason)); another host acts on it now, and this one sent no further call"
        case .moved(let path, let destination):
            "the audit trail \(path) was moved to \(destination) by `syncwindow audit migrate`; nothing was "
                + "appended — give this host's config the store: block of that database (reading commands still "
                + "read this file)"
        case .diskFull(let path, let freeBytes):
            "cannot write the audit trail \(path): the disk is full"
                + (freeBytes.map { " (\($0 / 1024) KiB free on its file system)" } ?? "")
                + " — free space there; nothing more was written, and no call was sent without its intent on disk "
                + "(the next pass settles any call left open)"
        }
    }

    /// "60", or "0.3" for the short timeouts of tests.
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return String(seconds) }
        return String(Double(seconds) + Double(attoseconds) / 1e18)
    }
}

extension DatabaseError {
    /// SQLITE_BUSY or SQLITE_LOCKED: someone else holds the lock past the busy timeout.
    var isBusy: Bool { resultCode == .SQLITE_BUSY || resultCode == .SQLITE_LOCKED }
}
