import Foundation

/// A small, fast, seedable generator, so a failing randomized test can be replayed from
/// the seed it prints.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// The seed a randomized test runs with: `$SYNCWINDOW_SEED` when set (to replay or
    /// explore), else a fixed default, so a run is repeatable. Printed, so a failure says
    /// how to replay it.
    public static func testSeed(default fallback: UInt64, test: String = #function) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["SYNCWINDOW_SEED"].flatMap(UInt64.init) ?? fallback
        print("\(test): seed \(seed) (SYNCWINDOW_SEED=\(seed) replays it)")
        return seed
    }
}
