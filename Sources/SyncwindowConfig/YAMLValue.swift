import Yams

/// A YAML node together with the file it came from, read strictly: every accessor either
/// yields a well-typed value or throws a `ConfigError` pointing at the node's line and column.
struct YAMLValue {
    let node: Node
    let file: String
    /// The dotted path of this node, for messages (`cloud.auth.method`).
    let path: String

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, column: node.mark?.column, message)
    }

    /// The node as a mapping whose keys must all be in `allowed`; unknown keys are errors,
    /// because a typo must never silently disable a setting.
    func mapping(allowed: [String]) throws(ConfigError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else {
            throw error("\(describe(path)) must be a mapping of keys to values")
        }
        var entries: [(key: String, value: YAMLValue)] = []
        for (keyNode, valueNode) in mapping {
            let keyValue = YAMLValue(node: keyNode, file: file, path: path)
            guard case .scalar(let scalar) = keyNode else { throw keyValue.error("keys must be plain strings") }
            let key = scalar.string
            if !allowed.isEmpty && !allowed.contains(key) {
                let suggestion = Self.closest(to: key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw keyValue.error(
                    "unknown key '\(key)' in \(describe(path))\(suggestion); allowed: \(allowed.joined(separator: ", "))"
                )
            }
            entries.append((key, YAMLValue(node: valueNode, file: file, path: path.isEmpty ? key : "\(path).\(key)")))
        }
        return YAMLMapping(owner: self, entries: entries)
    }

    func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !(scalar.style == .plain && scalar.string == "~") else {
            throw error("'\(path)' must be a single value")
        }
        if scalar.style == .plain && (scalar.string == "null" || scalar.string.isEmpty) {
            throw error("'\(path)' must not be empty")
        }
        return scalar.string
    }

    func bool() throws(ConfigError) -> Bool {
        // A quoted "false" is a string, and a string where a switch belongs is a typo.
        if case .scalar(let scalar) = node, scalar.style != .plain {
            throw error("'\(path)' must be true or false, without quotes")
        }
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("'\(path)' must be true or false")
        }
    }

    func integer(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let value = Int(try string()), range.contains(value) else {
            throw error("'\(path)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func sequence() throws(ConfigError) -> [YAMLValue] {
        guard case .sequence(let sequence) = node else { throw error("'\(path)' must be a list, e.g. [a, b]") }
        return sequence.enumerated().map { YAMLValue(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    private func describe(_ path: String) -> String { path.isEmpty ? "the top level" : "'\(path)'" }

    /// The allowed key nearest to a typo, if it is near enough to be a likely slip.
    static func closest(to key: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, best.count / 3) else { return nil }
        return best
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// The checked entries of one YAML mapping, in file order.
struct YAMLMapping {
    let owner: YAMLValue
    let entries: [(key: String, value: YAMLValue)]

    subscript(key: String) -> YAMLValue? { entries.first { $0.key == key }?.value }

    func required(_ key: String) throws(ConfigError) -> YAMLValue {
        guard let value = self[key] else {
            let place = owner.path.isEmpty ? "the top level" : "'\(owner.path)'"
            throw owner.error("missing required key '\(key)' in \(place)")
        }
        return value
    }
}
