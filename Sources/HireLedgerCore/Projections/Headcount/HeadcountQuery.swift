/// What `HeadcountProjection.view` computes: grouping, months and the point on the time axes.
///
/// `asOf` alone: what was true at that instant as known now. `knownAt` alone: what was known at that
/// instant, read as of that same instant. Both: as of `asOf`, known at `knownAt`. Neither: as of the
/// latest observation in the state, known now.
public struct HeadcountQuery: Sendable, Hashable {
    /// A dimension rows are grouped by.
    public enum Dimension: String, Sendable, Hashable, CaseIterable {
        case department, location, employmentType
    }

    /// How rows split over time: by month of (target) start, or not at all.
    public enum Interval: String, Sendable, Hashable, CaseIterable {
        case month, none
    }

    public var groupBy: [Dimension]
    public var interval: Interval
    /// First month included (inclusive); nil: no lower bound.
    public var from: YearMonth?
    /// Last month included (inclusive); nil: no upper bound.
    public var to: YearMonth?
    /// Whether roles without a (target) start date count (their rows have `month: null`).
    public var includeUnscheduled: Bool
    /// Department rows count their sub-departments' roles too (the tree via `parentId`).
    public var rollUpDepartments: Bool
    public var asOf: Timestamp?
    public var knownAt: Timestamp?

    public init(groupBy: [Dimension] = [.department], interval: Interval = .month, from: YearMonth? = nil,
                to: YearMonth? = nil, includeUnscheduled: Bool = true, rollUpDepartments: Bool = true,
                asOf: Timestamp? = nil, knownAt: Timestamp? = nil) {
        self.groupBy = groupBy
        self.interval = interval
        self.from = from
        self.to = to
        self.includeUnscheduled = includeUnscheduled
        self.rollUpDepartments = rollUpDepartments
        self.asOf = asOf
        self.knownAt = knownAt
    }
}
