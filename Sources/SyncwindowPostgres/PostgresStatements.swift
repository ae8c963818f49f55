import PostgresNIO

// The lease statements every pair's pass runs, prepared once per connection: at a thousand
// pairs a pass, planning each one again costs more than running it. (Giving leases back and
// the status caches are batched across pairs instead: `PostgresWriteBatcher`.)

/// Takes the pair's lease if nobody holds it or the holder's lease ran out; returns the new token.
struct AcquireLeaseStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO pair_lease (pair, holder, host, token, acquired_at, expires_at)
        VALUES ($1, $2, $3, 1, clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond')
        ON CONFLICT (pair) DO UPDATE SET holder = EXCLUDED.holder, host = EXCLUDED.host,
            token = pair_lease.token + 1, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
        WHERE pair_lease.expires_at <= clock_timestamp()
        RETURNING token
        """
    typealias Row = Int64

    var pair: String
    var holder: String
    var host: String
    var milliseconds: Int64

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(pair)
        bindings.append(holder)
        bindings.append(host)
        bindings.append(milliseconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

/// Extends the lease `token` of `holder` on `pair` if it still holds it; returns the token when it did.
struct RenewLeaseStatement: PostgresPreparedStatement {
    static let sql = """
        UPDATE pair_lease SET expires_at = clock_timestamp() + $4 * interval '1 millisecond'
        WHERE pair = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()
        RETURNING token
        """
    typealias Row = Int64

    var pair: String
    var holder: String
    var token: Int64
    var milliseconds: Int64

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(pair)
        bindings.append(holder)
        bindings.append(token)
        bindings.append(milliseconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
