/// A parsed five-field cron expression (stub: the schedule engine fills this in).
public struct CronExpression: Sendable, Equatable {
    public let source: String
    public static func parse(_ text: String) throws -> CronExpression { CronExpression(source: text) }
}
