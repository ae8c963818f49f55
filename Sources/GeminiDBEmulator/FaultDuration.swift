/// The emulator's fault and timing durations (`--latency 150ms`, `--job-delay 1.5s`), finer
/// than syncwindow's window durations (whole minutes and up). Parses durations as the command line writes them: `0`, `250ms`, `1s`, `1.5s`, `2m`, `1h`, `1h30m`.
public enum FaultDuration {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.filter { !$0.isWhitespace }
        if trimmed == "0" { return .zero }
        var total = Duration.zero
        var number = ""
        var unit = ""
        var matchedAny = false
        func flush() -> Bool {
            guard let value = Double(number), value >= 0 else { return false }
            let seconds: Double
            switch unit {
            case "ms": seconds = value / 1000
            case "s": seconds = value
            case "m": seconds = value * 60
            case "h": seconds = value * 3600
            default: return false
            }
            total += .milliseconds(Int64((seconds * 1000).rounded()))
            number = ""
            unit = ""
            matchedAny = true
            return true
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard !number.isEmpty, flush(), matchedAny else { return nil }
        return total
    }

    /// Whole milliseconds of `duration`.
    public static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
