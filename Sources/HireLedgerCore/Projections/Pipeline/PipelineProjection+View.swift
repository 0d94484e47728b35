extension PipelineProjection {
    /// Stage types in funnel order (Archived is an exit, not a step).
    public static let funnelTypes = ["Lead", "PreInterviewScreen", "Active", "Offer", "Hired"]

    /// The pipeline view of `state` for `query`: for each application, its stage entries known by
    /// `knownAt` and entered by the evaluation time, read in valid-time order. Pure.
    ///
    /// One pass over the state's flat entry slots (`PipelineTally`), counting into integer-indexed
    /// arrays; only the rows' figures are then built from them.
    public static func view(_ state: PipelineState, query: PipelineQuery) -> PipelineView {
        let point = BitemporalPoint.resolve(asOf: query.asOf, knownAt: query.knownAt, head: state.head)
        let tally = PipelineTally(state, point: point, query: query)

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
        var departmentRefs: [String: DepartmentRef] = [:]
        for key in Set(tally.usedKeys.map { state.keys[$0] }).union(fillGroups.keys) {
            let g = state.keyIndex[key].map(Int.init)
            let job: JobRef? = query.groupBy == .job && !key.isEmpty ? JobRef(id: key, title: state.jobs[key]?.title) : nil
            let departmentId = query.groupBy == .job ? state.jobs[key]?.departmentId : (key.isEmpty ? nil : key)
            let department = departmentId.map { id in
                if let known = departmentRefs[id] { return known }
                let f = state.departments.facts(id, at: point)
                // The path from the root, as headcount rows carry it (names repeat across a tree).
                var chain = [id], current = id
                while let parent = state.departments.facts(current, at: point)?.parentId, !chain.contains(parent), chain.count < 64 {
                    chain.append(parent)
                    current = parent
                }
                let path = chain.reversed().map { state.departments.facts($0, at: point)?.name ?? $0 }
                let ref = DepartmentRef(id: id, name: f?.name, parentId: f?.parentId, path: path)
                departmentRefs[id] = ref
                return ref
            }
            let row = PipelineRow(job: job, department: department, applications: g.map { tally.applications($0) } ?? 0,
                                  stages: g.map { tally.stageStats($0, state) } ?? [], funnel: tally.funnel(g),
                                  entriesByMonth: g.map { tally.months($0) } ?? [], timeToFill: timeToFill(fillGroups[key] ?? [], source, point))
            rows.append(row)
        }
        // Each row's sort key built once (not per comparison).
        let sortKeys = rows.map { r in
            [r.department?.name ?? "\u{10FFFF}", r.job?.title ?? "\u{10FFFF}", r.job?.id ?? r.department?.id ?? "\u{10FFFF}"]
        }
        rows = rows.indices.sorted { sortKeys[$0].lexicographicallyPrecedes(sortKeys[$1]) }.map { rows[$0] }
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

