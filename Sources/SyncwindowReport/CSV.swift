/// CSV as RFC 4180 (fields with commas, quotes or newlines are quoted), with formula
/// injection neutralised: reasons and actors are operator text, and a spreadsheet
/// evaluates a cell that begins with `=`, `+`, `-`, `@`, tab or carriage return.
package enum CSV {
    package static func line(_ fields: [String]) -> String {
        fields.map { quoted(neutralised($0)) }.joined(separator: ",")
    }

    /// Prefixes `'` to a cell a spreadsheet would read as a formula (OWASP's advice); the
    /// apostrophe shows, which is the point: the auditor sees the text that was typed.
    /// A plain number such as `-5` is left alone: it is no formula, and stays a number.
    package static func neutralised(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
            !isPlainNumber(field)
        else { return field }
        return "'" + field
    }

    package static func quoted(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    /// An optional sign, digits, and at most one decimal point between digits.
    private static func isPlainNumber(_ field: String) -> Bool {
        var body = Substring(field)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
