import Foundation

/// Renders rows as an aligned plain-text table (for terminals and logs).
///
/// Columns are left-aligned unless marked numeric (right-aligned). Widths count Unicode scalars, which is
/// right for the ASCII and Latin text HireLedger prints; wide CJK glyphs would misalign slightly.
struct TableRenderer {
    struct Column {
        var title: String
        var numeric: Bool = false
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) { self.columns = columns }

    mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    func render() -> String {
        var widths = columns.map { $0.title.unicodeScalars.count }
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.unicodeScalars.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[i] - cell.unicodeScalars.count)
                parts.append(columns[i].numeric ? padding + cell : cell + padding)
            }
            var s = parts.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = [line(columns.map(\.title)), line(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}
