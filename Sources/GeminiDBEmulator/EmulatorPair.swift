import GeminiDBAPI

/// A DR pair the emulator serves: two instances whose data synchronization is paused and resumed together.
///
/// The emulator's own type, so the library needs nothing but the wire models; the executable and the demo
/// build these from a syncwindow config's pairs.
public struct EmulatorPair: Sendable, Equatable {
    /// Names the served instances (`NAME-primary`, `NAME-standby`) and keys the resume bookkeeping.
    public var name: String
    /// Answers with role `master` and carries the data-sync indicators.
    public var primary: InstanceRef
    /// Answers with role `slave`.
    public var standby: InstanceRef

    public init(name: String, primary: InstanceRef, standby: InstanceRef) {
        self.name = name
        self.primary = primary
        self.standby = standby
    }
}
