/// A calendar month, `YYYY-MM`: the interval of headcount and pipeline rows.
public struct YearMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...12).contains(month), (0...9999).contains(year) else { return nil }
        self.year = year
        self.month = month
    }

    public init(_ date: CivilDate) {
        year = date.year
        month = date.month
    }

    /// Parses `YYYY-MM` (or a full `YYYY-MM-DD` date, keeping its month).
    public init?(iso8601 text: String) {
        if let d = CivilDate(iso8601: text) { self.init(d); return }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(year: y, month: m)
    }

    public static func < (a: YearMonth, b: YearMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }

    /// `YYYY-MM`.
    public var iso8601: String { CivilDate(year: year, month: month, day: 1)!.yearMonth }
    public var description: String { iso8601 }
}
