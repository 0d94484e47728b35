/// A view as a CSV table (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote or
/// a line break, quotes doubled). The CLI's `--format csv` and the API's `format=csv` print the same
/// `text` for the same view, so a spreadsheet gets identical files from either.
///
/// Columns are stable snake_case names; counts are plain integers, dates ISO-8601, durations days
/// with up to two decimals, and an empty field means "none" or "unknown".
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    /// Precondition: every row has one field per header column (a programmer error otherwise).
    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = []
        for row in rows { append(row) }
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) fields for \(header.count) columns")
        rows.append(row)
    }

    /// The whole table, header first, every line ended by CRLF.
    public var text: String {
        var out = Self.line(header)
        for row in rows { out += Self.line(row) }
        return out
    }

    /// One record with its CRLF.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ f: String) -> String {
        guard f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return f }
        var out = "\""
        for c in f { if c == "\"" { out += "\"\"" } else { out.append(c) } }
        return out + "\""
    }

    /// A number of days for a cell: up to two decimals, no trailing zeros; empty when unknown.
    public static func days(_ v: Double?) -> String {
        guard let v else { return "" }
        let hundredths = Int((v * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let a = abs(hundredths)
        let frac = a % 100
        if frac == 0 { return "\(sign)\(a / 100)" }
        return "\(sign)\(a / 100)." + (frac % 10 == 0 ? "\(frac / 10)" : (frac < 10 ? "0\(frac)" : "\(frac)"))
    }
}
