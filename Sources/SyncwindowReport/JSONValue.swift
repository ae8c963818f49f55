import Foundation

/// A JSON document with keys kept in the order written, so `--format json` output reads
/// in the documented order (docs/design.md) (Foundation's encoder would sort or scramble them).
package indirect enum JSONValue: Equatable {
    case string(String)
    case number(Double)
    case integer(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }

    package static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    package func rendered(pretty: Bool = true) -> String {
        var output = ""
        write(to: &output, indent: pretty ? 0 : nil)
        return output
    }

    private func write(to output: inout String, indent: Int?) {
        let newline = indent == nil ? "" : "\n"
        let pad = { (level: Int) in indent == nil ? "" : String(repeating: "  ", count: level) }
        switch self {
        case .string(let text): output += Self.quoted(text)
        case .number(let value): output += value.isFinite ? String(value) : "null"
        case .integer(let value): output += String(value)
        case .bool(let value): output += value ? "true" : "false"
        case .null: output += "null"
        case .array(let items):
            if items.isEmpty { output += "[]"; return }
            output += "[" + newline
            for (index, item) in items.enumerated() {
                output += pad((indent ?? 0) + 1)
                item.write(to: &output, indent: indent.map { $0 + 1 })
                output += (index < items.count - 1 ? "," : "") + newline
            }
            output += pad(indent ?? 0) + "]"
        case .object(let members):
            if members.isEmpty { output += "{}"; return }
            output += "{" + newline
            for (index, (key, value)) in members.enumerated() {
                output += pad((indent ?? 0) + 1) + Self.quoted(key) + (indent == nil ? ":" : ": ")
                value.write(to: &output, indent: indent.map { $0 + 1 })
                output += (index < members.count - 1 ? "," : "") + newline
            }
            output += pad(indent ?? 0) + "}"
        }
    }

    package static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
