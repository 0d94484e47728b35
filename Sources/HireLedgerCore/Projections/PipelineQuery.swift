/// What `PipelineProjection.view` computes. Time axes as in `HeadcountQuery`; `from` / `to` bound
/// the months of `entriesByMonth` (inclusive), not the other figures.
public struct PipelineQuery: Sendable, Hashable {
    /// What one row covers.
    public enum Grouping: String, Sendable, Hashable, CaseIterable {
        case job, department
    }

    public var groupBy: Grouping
    public var from: YearMonth?
    public var to: YearMonth?
    public var asOf: Timestamp?
    public var knownAt: Timestamp?

    public init(groupBy: Grouping = .job, from: YearMonth? = nil, to: YearMonth? = nil, asOf: Timestamp? = nil, knownAt: Timestamp? = nil) {
        self.groupBy = groupBy
        self.from = from
        self.to = to
        self.asOf = asOf
        self.knownAt = knownAt
    }
}
