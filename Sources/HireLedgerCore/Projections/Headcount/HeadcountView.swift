/// The headcount plan at one point: rows of counts per group and month (`schemas/views/headcount.schema.json`).
///
/// Counts, for each row's roles:
/// - `planned`: roles open in the plan (openings `Approved` or `Open`; in `jobs` mode, open jobs),
///   split into `newHeadcount` and `backfills` (`planned == newHeadcount + backfills`).
/// - `committed`: accepted offers whose start date is after the evaluation day.
/// - `filled`: openings `Filled` (in `jobs` mode: hired applications).
/// - `slipped` / `slippedDays`: roles whose target start date (in `jobs` mode: an accepted offer's
///   start date) is now later than first planned, and by how many days in all.
/// - `closedUnfilled`: openings `Closed` (in `jobs` mode: closed jobs without a hire).
///
/// Months: an opening's target start month; an offer's start month for `committed` (and for all
/// counts in `jobs` mode, where open and closed jobs have no month). Roles count once in `totals`
/// even when department rows roll up.
public struct HeadcountView: Sendable, Equatable {
    public var source: PlanSource
    public var point: BitemporalPoint
    public var query: HeadcountQuery
    public var rows: [HeadcountRow]
    public var totals: HeadcountCounts

    public init(source: PlanSource, point: BitemporalPoint, query: HeadcountQuery, rows: [HeadcountRow], totals: HeadcountCounts) {
        self.source = source
        self.point = point
        self.query = query
        self.rows = rows
        self.totals = totals
    }

    /// The view as JSON (`headcount.schema.json`).
    public var json: JSONValue {
        var o: JSONObject = [
            "source": .string(source.rawValue),
            "asOf": query.asOf.map { .string($0.iso8601) } ?? .null,
            "knownAt": query.knownAt.map { .string($0.iso8601) } ?? .null,
            "evaluatedAt": .string(point.validAt.iso8601),
            "groupBy": .array(query.groupBy.map { .string($0.rawValue) }),
            "interval": .string(query.interval.rawValue),
            "from": query.from.map { .string($0.iso8601) } ?? .null,
            "to": query.to.map { .string($0.iso8601) } ?? .null,
            "totals": totals.json,
        ]
        o["rows"] = .array(rows.map { $0.json(query) })
        return .object(o)
    }
}

/// Where the plan came from: Ashby openings, or (for accounts without the openings feature) open
/// jobs standing in, one role each.
public enum PlanSource: String, Sendable, Hashable {
    case openings, jobs
}

/// One group's counts.
public struct HeadcountRow: Sendable, Equatable {
    /// Nil when not grouped by department, or when the roles have none.
    public var department: DepartmentRef?
    public var location: LocationRef?
    public var employmentType: String?
    /// Nil with `interval: none`, or for unscheduled roles.
    public var month: YearMonth?
    public var counts: HeadcountCounts

    func json(_ query: HeadcountQuery) -> JSONValue {
        var o: JSONObject = ["counts": counts.json]
        if query.groupBy.contains(.department) { o["department"] = department?.json ?? .null }
        if query.groupBy.contains(.location) { o["location"] = location?.json ?? .null }
        if query.groupBy.contains(.employmentType) { o["employmentType"] = JSONValue(employmentType) }
        if query.interval == .month { o["month"] = month.map { .string($0.iso8601) } ?? .null }
        return .object(o)
    }
}

/// A department in a row: id, name and the names from the top of the tree down to it.
public struct DepartmentRef: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var parentId: String?
    /// Names (ids where a name is unknown), root first, ending with this department.
    public var path: [String]

    var json: JSONValue {
        ["id": .string(id), "name": JSONValue(name), "parentId": JSONValue(parentId), "path": .array(path.map(JSONValue.string))]
    }
}

/// A location in a row.
public struct LocationRef: Sendable, Hashable {
    public var id: String
    public var name: String?

    var json: JSONValue { ["id": .string(id), "name": JSONValue(name)] }
}

/// The counts of a row or of the totals (see `HeadcountView`).
public struct HeadcountCounts: Sendable, Hashable {
    public var planned = 0
    public var committed = 0
    public var filled = 0
    public var slipped = 0
    public var slippedDays = 0
    public var closedUnfilled = 0
    public var newHeadcount = 0
    public var backfills = 0

    public init() {}

    var json: JSONValue {
        ["planned": JSONValue(planned), "committed": JSONValue(committed), "filled": JSONValue(filled),
         "slipped": JSONValue(slipped), "slippedDays": JSONValue(slippedDays), "closedUnfilled": JSONValue(closedUnfilled),
         "newHeadcount": JSONValue(newHeadcount), "backfills": JSONValue(backfills)]
    }
}
