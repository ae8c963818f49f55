import Foundation

/// A plain-text table for people: columns padded to their widest cell.
package struct TextTable {
    package let columns: [String]
    private(set) var rows: [[String]] = []

    package init(columns: [String]) { self.columns = columns }

    /// Cells are escaped: a value from the audit trail must not move the cursor or break rows.
    package mutating func add(_ row: [String]) { rows.append(row.map(Printable.escaped)) }

    package func rendered(empty: String) -> String {
        guard !rows.isEmpty else { return empty + "\n" }
        var widths = columns.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(columns)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
