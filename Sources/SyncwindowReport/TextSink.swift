/// Where text made piece by piece goes: a `String` (tests, small outputs) or standard output (large ones).
package protocol TextSink {
    /// `Never` for a `String`: making the page in memory cannot fail.
    associatedtype Failure: Error
    mutating func write(_ text: String) throws(Failure)
}

extension String: TextSink {
    package mutating func write(_ text: String) { self += text }
}
