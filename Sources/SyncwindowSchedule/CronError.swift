/// Why a cron expression was refused: the field, the offending token and the reason.
///
/// `description` reads like `day-of-week: "8" is out of range 0-7`.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The five cron fields, named as in messages.
    public enum Field: String, Sendable, Equatable, CaseIterable {
        case minute
        case hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }
    }

    /// The field at fault, or nil when the expression as a whole is wrong (field count, macro).
    public var field: Field?
    /// The offending token (a term of the field, or the whole expression).
    public var token: String
    /// What is wrong with it, e.g. `is out of range 0-7`.
    public var reason: String

    public init(field: Field?, token: String, reason: String) {
        self.field = field
        self.token = token
        self.reason = reason
    }

    public var description: String {
        let subject = "\"\(token)\" \(reason)"
        if let field { return "\(field.rawValue): \(subject)" }
        return "cron \(subject)"
    }
}
