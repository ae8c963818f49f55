import GRDB

extension AuditReader {
    /// Every pair name the trail mentions, sorted. A skip scan over the `(pair, kind, id)`
    /// index: one index seek per distinct pair, however long the history.
    public func pairNames() throws -> [String] {
        var names: [String] = []
        var last = ""
        while let next = try String.fetchOne(
            db, sql: "SELECT pair FROM event WHERE pair > ? ORDER BY pair LIMIT 1", arguments: [last])
        {
            names.append(next)
            last = next
        }
        return names
    }
}
