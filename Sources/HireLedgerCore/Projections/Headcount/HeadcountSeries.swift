/// Headcount history: the headcount view at the end of each period (month, ISO week or quarter) of a
/// window, on either time axis (`schemas/views/headcount-series.schema.json`).
///
/// Each point is `HeadcountProjection.view` with `interval: none` at one bitemporal point, read from
/// the same state, so a series costs its number of points times one view (a filter over the
/// timelines), never a refold. Along the `asOf` axis, point P is "as of the end of P, as known at
/// `knownAt` (default: now)"; along `knownAt`, it is "what was known at the end of P", read as of
/// `asOf` when given, else as of that same instant. A bound on the walking axis (`asOf` along
/// `asOf`, `knownAt` along `knownAt`) ends the series there: later periods are left out and the last
/// point is read at that instant, not at the end of its period.
public struct HeadcountSeriesQuery: Sendable, Hashable {
    /// The length of one point's period.
    public enum Period: String, Sendable, Hashable, CaseIterable {
        case month, week, quarter

        /// The most points one query may ask for (ten years of months, quarters; five of weeks).
        public var maxPoints: Int {
            switch self {
            case .month: 120
            case .week: 260
            case .quarter: 40
            }
        }
    }

    /// Which time axis the points walk.
    public enum Axis: String, Sendable, Hashable, CaseIterable {
        case asOf, knownAt
    }

    public var period: Period
    public var axis: Axis
    /// First day of the window (its period is the first point); nil: `defaultPoints` before `to`.
    public var from: CivilDate?
    /// Last day of the window (its period is the last point); nil: the period of the walking axis's
    /// bound, or of the state's latest observation.
    public var to: CivilDate?
    /// Grouping of each point's rows; empty: totals only.
    public var groupBy: [HeadcountQuery.Dimension]
    public var asOf: Timestamp?
    public var knownAt: Timestamp?

    /// Points when `from` is not given.
    public static let defaultPoints = 12

    public init(period: Period = .month, axis: Axis = .asOf, from: CivilDate? = nil, to: CivilDate? = nil,
                groupBy: [HeadcountQuery.Dimension] = [], asOf: Timestamp? = nil, knownAt: Timestamp? = nil) {
        self.period = period
        self.axis = axis
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.asOf = asOf
        self.knownAt = knownAt
    }

    /// The first day of the period holding `day`.
    public func periodStart(_ day: CivilDate) -> CivilDate {
        switch period {
        case .month: return day.firstOfMonth
        case .quarter: return CivilDate(year: day.year, month: (day.month - 1) / 3 * 3 + 1, day: 1)!
        case .week:
            // 1970-01-01 was a Thursday; ISO weeks start on Monday.
            let weekday = ((day.daysSinceEpoch % 7) + 7 + 3) % 7 // 0 = Monday
            return day.adding(days: -weekday)
        }
    }

    /// The first day of the period after the one starting at `start`.
    public func nextPeriodStart(_ start: CivilDate) -> CivilDate {
        switch period {
        case .week: return start.adding(days: 7)
        case .month, .quarter:
            let months = period == .month ? 1 : 3
            let m = start.month - 1 + months
            return CivilDate(year: start.year + m / 12, month: m % 12 + 1, day: 1)!
        }
    }

    /// `2026-03` for a month, `2026-W09` for an ISO week, `2026-Q1` for a quarter.
    public func label(_ start: CivilDate) -> String {
        switch period {
        case .month: return start.yearMonth
        case .quarter: return "\(start.year)-Q\((start.month - 1) / 3 + 1)"
        case .week:
            // The ISO week-numbering year is the year of the week's Thursday.
            let thursday = start.adding(days: 3)
            let jan1 = CivilDate(year: thursday.year, month: 1, day: 1)!
            let week = (thursday.daysSinceEpoch - jan1.daysSinceEpoch) / 7 + 1
            return "\(thursday.year)-W\(week < 10 ? "0" : "")\(week)"
        }
    }
}

/// One point of a headcount series.
public struct HeadcountSeriesPoint: Sendable, Equatable {
    /// `2026-03`, `2026-W09` or `2026-Q1`.
    public var period: String
    public var start: CivilDate
    /// The last day of the period.
    public var end: CivilDate
    /// The instant the point describes on each axis.
    public var point: BitemporalPoint
    /// The point lies after the state's latest observation: a forecast from what is known now.
    public var projected: Bool
    public var totals: HeadcountCounts
    /// Per group of `groupBy` (empty without grouping); department rows roll up their sub-departments.
    public var rows: [HeadcountRow]

    /// Planned roles without an accepted offer yet (`planned − committed`, never below 0).
    public static func open(_ c: HeadcountCounts) -> Int { max(0, c.planned - c.committed) }
}

/// A headcount series (see `HeadcountSeriesQuery`).
public struct HeadcountSeries: Sendable, Equatable {
    public var query: HeadcountSeriesQuery
    public var source: PlanSource
    public var points: [HeadcountSeriesPoint]

    /// The view as JSON (`headcount-series.schema.json`).
    public var json: JSONValue {
        let rowQuery = HeadcountQuery(groupBy: query.groupBy, interval: .none)
        func time(_ t: Timestamp) -> JSONValue { t == .distantFuture ? .null : .string(t.iso8601) }
        return [
            "period": .string(query.period.rawValue), "axis": .string(query.axis.rawValue),
            "asOf": query.asOf.map { .string($0.iso8601) } ?? .null,
            "knownAt": query.knownAt.map { .string($0.iso8601) } ?? .null,
            "groupBy": .array(query.groupBy.map { .string($0.rawValue) }),
            "source": .string(source.rawValue),
            "points": .array(points.map { p in
                var counts = p.totals.json
                if case .object(var o) = counts { o["open"] = JSONValue(HeadcountSeriesPoint.open(p.totals)); counts = .object(o) }
                return [
                    "period": .string(p.period), "start": .string(p.start.iso8601), "end": .string(p.end.iso8601),
                    "asOf": .string(p.point.validAt.iso8601), "knownAt": time(p.point.knownAt),
                    "projected": JSONValue(p.projected), "totals": counts,
                    "rows": .array(p.rows.map { $0.json(rowQuery) }),
                ]
            }),
        ]
    }
}

/// Why a series cannot be computed; the message names the parameter and what to do.
public struct HeadcountSeriesError: Error, Sendable, CustomStringConvertible {
    /// The query parameter (API) or flag stem (CLI) at fault: `from`, `to`.
    public let parameter: String
    public let description: String
}

extension HeadcountProjection {
    /// The headcount at the end of each period of `query`'s window. Pure. Each point is the `view` at
    /// that point, over the records that can count gathered once for the whole series
    /// (`HeadcountCandidates`), so a point costs a walk of openings, jobs, accepted offers and hired
    /// applications, not of every application.
    /// - Throws: `HeadcountSeriesError` when `from` is after `to`, or the window holds more than
    ///   `period.maxPoints` periods.
    public static func series(_ state: PlanEntities, query: HeadcountSeriesQuery) throws(HeadcountSeriesError) -> HeadcountSeries {
        let bound: Timestamp? = query.axis == .asOf ? query.asOf : query.knownAt
        let headDay = (state.head == .distantPast ? Timestamp(millisecondsSinceEpoch: 0) : state.head).day
        let lastStart = query.periodStart(query.to ?? bound?.day ?? headDay)
        var firstStart: CivilDate
        if let from = query.from {
            firstStart = query.periodStart(from)
            guard firstStart <= lastStart else {
                throw HeadcountSeriesError(parameter: "from", description: "from (\(from.iso8601)) is after the last period of the window (\(query.label(lastStart))); give an earlier from or a later to.")
            }
        } else {
            firstStart = lastStart
            for _ in 1..<HeadcountSeriesQuery.defaultPoints {
                firstStart = query.periodStart(firstStart.adding(days: -1))
            }
        }
        var starts: [CivilDate] = []
        var s = firstStart
        while s <= lastStart {
            starts.append(s)
            guard starts.count <= query.period.maxPoints else {
                throw HeadcountSeriesError(parameter: "from", description: "the window holds more than \(query.period.maxPoints) \(query.period.rawValue)s; narrow from/to or use a longer period.")
            }
            s = query.nextPeriodStart(s)
        }
        var points: [HeadcountSeriesPoint] = []
        points.reserveCapacity(starts.count)
        var source = PlanSource.jobs
        let candidates = HeadcountCandidates(state)
        for start in starts {
            let next = query.nextPeriodStart(start)
            var at = next.startOfDay.adding(milliseconds: -1)
            if let bound, bound < at {
                guard bound >= start.startOfDay else { break }
                at = bound
            }
            let pointQuery: HeadcountQuery
            switch query.axis {
            case .asOf: pointQuery = HeadcountQuery(groupBy: query.groupBy, interval: .none, asOf: at, knownAt: query.knownAt)
            case .knownAt: pointQuery = HeadcountQuery(groupBy: query.groupBy, interval: .none, asOf: query.asOf ?? at, knownAt: at)
            }
            var builder = HeadcountBuilder(state: state, query: pointQuery, candidates: candidates)
            builder.build()
            let view = HeadcountView(source: builder.source, point: builder.point, query: pointQuery, rows: builder.rows(), totals: builder.totals)
            source = view.source
            let projected = at > state.head
            points.append(HeadcountSeriesPoint(period: query.label(start), start: start, end: next.adding(days: -1),
                                               point: view.point, projected: projected, totals: view.totals,
                                               rows: query.groupBy.isEmpty ? [] : view.rows))
        }
        return HeadcountSeries(query: query, source: source, points: points)
    }
}
