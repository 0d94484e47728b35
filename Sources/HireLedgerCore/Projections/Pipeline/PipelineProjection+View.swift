extension PipelineProjection {
    /// Stage types in funnel order (Archived is an exit, not a step).
    public static let funnelTypes = ["Lead", "PreInterviewScreen", "Active", "Offer", "Hired"]

    /// The pipeline view of `state` for `query`: a filter over each application's stage entries at
    /// the query's point (entries known by `knownAt` and entered by the evaluation time). Pure.
    public static func view(_ state: PipelineState, query: PipelineQuery) -> PipelineView {
        let point = BitemporalPoint.resolve(asOf: query.asOf, knownAt: query.knownAt, head: state.head)
        var groups: [String: GroupAccumulator] = [:]
        var entries: [PipelineState.StageEntry] = []
        for (_, app) in state.applications {
            entries.removeAll(keepingCapacity: true)
            for e in app.entries where e.known <= point.knownAt && e.valid <= point.validAt { entries.append(e) }
            guard !entries.isEmpty else { continue }
            // Valid-time order: backfilled entries may have been learnt after later ones.
            entries.sort { $0.valid < $1.valid }
            // Deleted at the point: not counted; deleted and restored before it: the gap is no stay.
            if entries[entries.count - 1].stageId == PipelineState.goneStageId { continue }
            if entries.contains(where: { $0.stageId == PipelineState.goneStageId }) {
                entries.removeAll { $0.stageId == PipelineState.goneStageId }
            }
            let key = (query.groupBy == .job ? app.jobId : app.departmentId) ?? ""
            groups[key, default: GroupAccumulator()].add(entries, stages: state.stages, query: query)
        }

        let fills = state.openingFills.isEmpty ? state.jobFills : state.openingFills
        let source: PlanSource = state.openingFills.isEmpty ? .jobs : .openings
        var fillGroups: [String: [PipelineState.Fill]] = [:]
        var allFills: [PipelineState.Fill] = []
        for (_, f) in fills {
            // A fill whose opening was not open at the point (or not yet known) adds nothing there; it
            // must not add a row either, or a view known at T would list jobs first seen after T.
            guard let opened = f.opened, opened.known <= point.knownAt, opened.valid <= point.validAt else { continue }
            allFills.append(f)
            let key = (query.groupBy == .job ? f.jobId : f.departmentId) ?? ""
            fillGroups[key, default: []].append(f)
        }
        var rows: [PipelineRow] = []
        for key in Set(groups.keys).union(fillGroups.keys) {
            let g = groups[key] ?? GroupAccumulator()
            let job: JobRef? = query.groupBy == .job && !key.isEmpty ? JobRef(id: key, title: state.jobs[key]?.title) : nil
            let departmentId = query.groupBy == .job ? state.jobs[key]?.departmentId : (key.isEmpty ? nil : key)
            let department = departmentId.map { id in
                let f = state.departments.facts(id, at: point)
                // The path from the root, as headcount rows carry it (names repeat across a tree).
                var chain = [id], current = id
                while let parent = state.departments.facts(current, at: point)?.parentId, !chain.contains(parent), chain.count < 64 {
                    chain.append(parent)
                    current = parent
                }
                let path = chain.reversed().map { state.departments.facts($0, at: point)?.name ?? $0 }
                return DepartmentRef(id: id, name: f?.name, parentId: f?.parentId, path: path)
            }
            let row = PipelineRow(job: job, department: department, applications: g.applications,
                                  stages: g.stageStats(state.stages), funnel: g.funnel(),
                                  entriesByMonth: g.months(), timeToFill: timeToFill(fillGroups[key] ?? [], source, point))
            rows.append(row)
        }
        rows.sort { a, b in
            let ka = [a.department?.name ?? "\u{10FFFF}", a.job?.title ?? "\u{10FFFF}", a.job?.id ?? a.department?.id ?? "\u{10FFFF}"]
            let kb = [b.department?.name ?? "\u{10FFFF}", b.job?.title ?? "\u{10FFFF}", b.job?.id ?? b.department?.id ?? "\u{10FFFF}"]
            return ka.lexicographicallyPrecedes(kb)
        }
        return PipelineView(point: point, query: query, rows: rows, timeToFill: timeToFill(allFills, source, point))
    }

    static func timeToFill(_ fills: [PipelineState.Fill], _ source: PlanSource, _ point: BitemporalPoint) -> TimeToFill {
        var toAccept: [Double] = [], toStart: [Double] = []
        func visible(_ i: PipelineState.Instant?) -> PipelineState.Instant? {
            guard let i, i.known <= point.knownAt, i.valid <= point.validAt else { return nil }
            return i
        }
        for f in fills {
            guard let opened = visible(f.opened), let accepted = visible(f.accepted) else { continue }
            toAccept.append(days(accepted.valid.millisecondsSinceEpoch - opened.valid.millisecondsSinceEpoch))
            if let start = f.startDay {
                toStart.append(days(Int64(start) * Timestamp.millisecondsPerDay - opened.valid.millisecondsSinceEpoch))
            }
        }
        return TimeToFill(source: source, accepted: toAccept.count, medianDaysToAccept: PipelineStats.median(toAccept),
                          meanDaysToAccept: PipelineStats.mean(toAccept), withStartDate: toStart.count,
                          medianDaysToStart: PipelineStats.median(toStart), meanDaysToStart: PipelineStats.mean(toStart))
    }

    static func days(_ ms: Int64) -> Double { Double(ms) / Double(Timestamp.millisecondsPerDay) }
}

/// One row's figures while the view is built.
struct GroupAccumulator {
    var applications = 0
    var current: [String: Int] = [:]
    var entered: [String: Int] = [:]
    var stays: [String: [Double]] = [:]
    var reachedRank: [Int] = Array(repeating: 0, count: PipelineProjection.funnelTypes.count)
    var monthCounts: [MonthKey: Int] = [:]

    struct MonthKey: Hashable {
        var month: YearMonth
        var type: String
    }

    /// Adds one application's visible entries, in valid-time order.
    mutating func add(_ entries: [PipelineState.StageEntry], stages: [String: PipelineState.Stage], query: PipelineQuery) {
        applications += 1
        current[entries[entries.count - 1].stageId, default: 0] += 1
        var highest = -1
        for (i, e) in entries.enumerated() {
            entered[e.stageId, default: 0] += 1
            if i + 1 < entries.count {
                stays[e.stageId, default: []].append(PipelineProjection.days(
                    entries[i + 1].valid.millisecondsSinceEpoch - e.valid.millisecondsSinceEpoch))
            }
            let type = stages[e.stageId]?.type
            if let type, let rank = PipelineProjection.funnelTypes.firstIndex(of: type) { highest = max(highest, rank) }
            let month = YearMonth(e.valid.day)
            if let type, query.from.map({ month >= $0 }) ?? true, query.to.map({ month <= $0 }) ?? true {
                monthCounts[MonthKey(month: month, type: type), default: 0] += 1
            }
        }
        if highest >= 0 { for r in 0...highest { reachedRank[r] += 1 } }
    }

    func stageStats(_ stages: [String: PipelineState.Stage]) -> [StageStats] {
        entered.keys.map { id in
            let s = stays[id] ?? []
            return StageStats(stageId: id, title: stages[id]?.title, type: stages[id]?.type, current: current[id] ?? 0,
                              entered: entered[id] ?? 0, completedStays: s.count,
                              medianDaysInStage: PipelineStats.median(s), meanDaysInStage: PipelineStats.mean(s))
        }.sorted { a, b in
            let oa = stages[a.stageId]?.order ?? Int.max, ob = stages[b.stageId]?.order ?? Int.max
            return oa != ob ? oa < ob : a.stageId < b.stageId
        }
    }

    func funnel() -> [FunnelStep] {
        PipelineProjection.funnelTypes.enumerated().map { i, type in
            let previous = i == 0 ? 0 : reachedRank[i - 1]
            return FunnelStep(type: type, reached: reachedRank[i],
                              conversion: i == 0 || previous == 0 ? nil : Double(reachedRank[i]) / Double(previous))
        }
    }

    func months() -> [MonthEntries] {
        monthCounts.map { MonthEntries(month: $0.key.month, type: $0.key.type, entered: $0.value) }.sorted { a, b in
            if a.month != b.month { return a.month < b.month }
            let ra = PipelineProjection.funnelTypes.firstIndex(of: a.type) ?? Int.max
            let rb = PipelineProjection.funnelTypes.firstIndex(of: b.type) ?? Int.max
            return ra != rb ? ra < rb : a.type < b.type
        }
    }
}
