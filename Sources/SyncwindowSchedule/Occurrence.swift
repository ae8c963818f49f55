import Foundation

/// One opening of a window: it opens at `start` and closes at `end` (`start` + duration).
public struct Occurrence: Sendable, Equatable, Hashable {
    public var window: String
    public var start: Date
    public var end: Date

    public init(window: String, start: Date, end: Date) {
        self.window = window
        self.start = start
        self.end = end
    }

    /// Whether the window is open at `instant` (`start <= instant < end`).
    public func isOpen(at instant: Date) -> Bool {
        start <= instant && instant < end
    }

    /// Sort order used everywhere: by start, then window name.
    static func precedes(_ a: Occurrence, _ b: Occurrence) -> Bool {
        (a.start, a.window, a.end) < (b.start, b.window, b.end)
    }
}
