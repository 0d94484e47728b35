/// The pipeline at one point (`schemas/views/pipeline.schema.json`): per job or department, the
/// applications in each stage, how many reached each stage type, time in stage and time to fill.
public struct PipelineView: Sendable, Equatable {
    public var point: BitemporalPoint
    public var query: PipelineQuery
    public var rows: [PipelineRow]
    /// Time to fill over every role, whatever the grouping.
    public var timeToFill: TimeToFill

    public var json: JSONValue {
        [
            "asOf": query.asOf.map { .string($0.iso8601) } ?? .null,
            "knownAt": query.knownAt.map { .string($0.iso8601) } ?? .null,
            "evaluatedAt": .string(point.validAt.iso8601),
            "groupBy": .string(query.groupBy.rawValue),
            "from": query.from.map { .string($0.iso8601) } ?? .null,
            "to": query.to.map { .string($0.iso8601) } ?? .null,
            "rows": .array(rows.map(\.json)),
            "timeToFill": timeToFill.json,
        ]
    }
}

/// One job's or department's pipeline.
public struct PipelineRow: Sendable, Equatable {
    /// Set when grouped by job.
    public var job: JobRef?
    /// The job's department (grouped by job) or the row's department; nil when unknown.
    public var department: DepartmentRef?
    /// Applications with at least one stage entry at the point.
    public var applications: Int
    public var stages: [StageStats]
    public var funnel: [FunnelStep]
    public var entriesByMonth: [MonthEntries]
    public var timeToFill: TimeToFill

    var json: JSONValue {
        ["job": job?.json ?? .null, "department": department?.json ?? .null, "applications": JSONValue(applications),
         "stages": .array(stages.map(\.json)), "funnel": .array(funnel.map(\.json)),
         "entriesByMonth": .array(entriesByMonth.map(\.json)), "timeToFill": timeToFill.json]
    }
}

/// A job in a row.
public struct JobRef: Sendable, Hashable {
    public var id: String
    public var title: String?
    var json: JSONValue { ["id": .string(id), "title": JSONValue(title)] }
}

/// One stage's figures in a row.
public struct StageStats: Sendable, Equatable {
    public var stageId: String
    public var title: String?
    public var type: String?
    /// Applications in this stage at the point.
    public var current: Int
    /// Entries into this stage up to the point.
    public var entered: Int
    /// Stays that ended (the application moved on) by the point, and their length in days.
    public var completedStays: Int
    public var medianDaysInStage: Double?
    public var meanDaysInStage: Double?

    var json: JSONValue {
        ["stageId": .string(stageId), "title": JSONValue(title), "type": JSONValue(type), "current": JSONValue(current),
         "entered": JSONValue(entered), "completedStays": JSONValue(completedStays),
         "medianDaysInStage": PipelineStats.number(medianDaysInStage), "meanDaysInStage": PipelineStats.number(meanDaysInStage)]
    }
}

/// Applications that reached a stage type or a later one, and the fraction of those that reached
/// the previous type which did (`conversion`, null for the first type or when none reached it).
public struct FunnelStep: Sendable, Equatable {
    public var type: String
    public var reached: Int
    public var conversion: Double?

    var json: JSONValue {
        ["type": .string(type), "reached": JSONValue(reached), "conversion": PipelineStats.number(conversion, places: 4)]
    }
}

/// Stage entries of one type in one month.
public struct MonthEntries: Sendable, Equatable {
    public var month: YearMonth
    public var type: String
    public var entered: Int

    var json: JSONValue { ["month": .string(month.iso8601), "type": .string(type), "entered": JSONValue(entered)] }
}

/// Days from a role opening to its first accepted offer, and to that offer's start date.
public struct TimeToFill: Sendable, Equatable {
    public var source: PlanSource
    public var accepted: Int
    public var medianDaysToAccept: Double?
    public var meanDaysToAccept: Double?
    public var withStartDate: Int
    public var medianDaysToStart: Double?
    public var meanDaysToStart: Double?

    var json: JSONValue {
        ["source": .string(source.rawValue), "accepted": JSONValue(accepted),
         "medianDaysToAccept": PipelineStats.number(medianDaysToAccept), "meanDaysToAccept": PipelineStats.number(meanDaysToAccept),
         "withStartDate": JSONValue(withStartDate),
         "medianDaysToStart": PipelineStats.number(medianDaysToStart), "meanDaysToStart": PipelineStats.number(meanDaysToStart)]
    }
}

/// Median and mean, and their JSON form.
enum PipelineStats {
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Rounded to `places` decimals (so outputs stay readable and stable), or null.
    static func number(_ v: Double?, places: Int = 2) -> JSONValue {
        guard let v else { return .null }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return JSONNumber((v * scale).rounded() / scale).map(JSONValue.number) ?? .null
    }
}

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
