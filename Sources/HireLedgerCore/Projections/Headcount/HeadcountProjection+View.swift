extension HeadcountProjection {
    /// The headcount view of `state` for `query`: a filter over the timelines at the query's point,
    /// so its cost grows with the number of openings, jobs, offers and applications, never with the
    /// length of the log. Pure; see `HeadcountView` for what each count means.
    public static func view(_ state: PlanEntities, query: HeadcountQuery) -> HeadcountView {
        var builder = HeadcountBuilder(state: state, query: query)
        builder.build()
        return HeadcountView(source: builder.source, point: builder.point, query: query, rows: builder.rows(), totals: builder.totals)
    }
}

/// Accumulates one headcount view.
struct HeadcountBuilder {
    let state: PlanEntities
    let query: HeadcountQuery
    let point: BitemporalPoint
    let today: Int
    let source: PlanSource
    var groups: [Key: HeadcountCounts] = [:]
    var totals = HeadcountCounts()
    var departmentChains: [String: [String]] = [:]

    struct Key: Hashable {
        var department: String?
        var location: String?
        var employmentType: String?
        var month: YearMonth?
    }

    struct Dims {
        var department: String?
        var location: String?
        var employmentType: String?
    }

    /// Set for the points of a series: the records that can count, gathered once (see
    /// `HeadcountCandidates`); nil for a single view, which walks the state's dictionaries directly.
    let candidates: HeadcountCandidates?

    init(state: PlanEntities, query: HeadcountQuery, candidates: HeadcountCandidates? = nil) {
        self.state = state
        self.query = query
        self.candidates = candidates
        point = BitemporalPoint.resolve(asOf: query.asOf, knownAt: query.knownAt, head: state.head)
        today = point.validAt.day.daysSinceEpoch
        // The account uses openings when any opening was known by then, even if none was valid yet.
        let knownAt = point.knownAt
        if let candidates {
            source = candidates.firstOpeningKnown.map { $0 <= knownAt } ?? false ? .openings : .jobs
        } else {
            source = state.openings.byId.values.contains { ($0.versions.first?.known ?? .distantFuture) <= knownAt } ? .openings : .jobs
        }
    }

    mutating func build() {
        switch source {
        case .openings: countOpenings()
        case .jobs: countJobs()
        }
        countCommitments()
    }

    // MARK: openings mode

    private mutating func countOpenings() {
        if let candidates {
            for timeline in candidates.openings { countOpening(timeline) }
        } else {
            for timeline in state.openings.byId.values { countOpening(timeline) }
        }
    }

    private mutating func countOpening(_ timeline: Timeline<OpeningFacts>) {
        guard let f = timeline.facts(at: point) else { return }
        // Archived while open (or approved): no longer planned headcount.
        if f.isArchived, f.state == "Approved" || f.state == "Open" { return }
        let month = f.targetStartDay.map(Self.month)
        switch f.state {
        case "Approved", "Open":
            let slip = Self.slip(timeline, at: point, current: f.targetStartDay) { $0.targetStartDay }
            add(openingDims(f), month) { c in
                c.planned += 1
                if f.isBackfill { c.backfills += 1 } else { c.newHeadcount += 1 }
                c.addSlip(slip)
            }
        case "Filled":
            let slip = Self.slip(timeline, at: point, current: f.targetStartDay) { $0.targetStartDay }
            add(openingDims(f), month) { c in c.filled += 1; c.addSlip(slip) }
        case "Closed":
            add(openingDims(f), month) { c in c.closedUnfilled += 1 }
        default:
            return // Draft: not yet part of the plan.
        }
    }

    /// An opening's own department, location and employment type, completed from its first job.
    private func openingDims(_ f: OpeningFacts) -> Dims {
        // The job is looked up only when the opening lacks one of the three (most carry all).
        guard f.departmentId == nil || f.locationId == nil || f.employmentType == nil else {
            return Dims(department: f.departmentId, location: f.locationId, employmentType: f.employmentType)
        }
        let job = f.jobIds.first.flatMap { state.jobs.facts($0, at: point) }
        return Dims(department: f.departmentId ?? job?.departmentId, location: f.locationId ?? job?.locationId,
                    employmentType: f.employmentType ?? job?.employmentType)
    }

    // MARK: jobs mode

    private mutating func countJobs() {
        var acceptedStart: [String: Int] = [:]
        Self.forEachOffer(candidates, state.offers, at: point) { o, _ in
            if let app = o.applicationId, let day = o.startDay { acceptedStart[app] = day }
        }
        var hiresPerJob: [String: Int] = [:]
        func hire(_ id: String, _ timeline: Timeline<ApplicationFacts>) {
            guard let a = timeline.facts(at: point), a.hired else { return }
            let job = a.jobId.flatMap { state.jobs.facts($0, at: point) }
            if let jobId = a.jobId { hiresPerJob[jobId, default: 0] += 1 }
            add(jobDims(job), acceptedStart[id].map(Self.month)) { c in c.filled += 1 }
        }
        if let candidates {
            for (id, timeline) in candidates.hiredApplications { hire(id, timeline) }
        } else {
            for (id, timeline) in state.applications.byId { hire(id, timeline) }
        }
        func job(_ id: String, _ timeline: Timeline<JobFacts>) {
            guard let j = timeline.facts(at: point) else { return }
            switch j.status {
            case "Open":
                add(jobDims(j), nil) { c in c.planned += 1; c.newHeadcount += 1 }
            case "Closed" where hiresPerJob[id, default: 0] == 0:
                add(jobDims(j), nil) { c in c.closedUnfilled += 1 }
            default:
                return
            }
        }
        if let candidates {
            for (id, timeline) in candidates.jobs { job(id, timeline) }
        } else {
            for (id, timeline) in state.jobs.byId { job(id, timeline) }
        }
        // Without openings, a slip is an accepted offer's start date moving later.
        Self.forEachOffer(candidates, state.offers, at: point) { o, timeline in
            guard let day = o.startDay else { return }
            let slip = Self.slip(timeline, at: point, current: day) { $0.outcome == .accepted ? $0.startDay : nil }
            guard slip > 0 else { return }
            add(offerDims(o), Self.month(day)) { c in c.addSlip(slip) }
        }
    }

    /// Calls `body` with each offer accepted at `point` (and its timeline). Static, so that `body` may
    /// update the builder.
    private static func forEachOffer(_ candidates: HeadcountCandidates?, _ offers: EntityTimelines<OfferFacts>,
                                     at point: BitemporalPoint, _ body: (OfferFacts, Timeline<OfferFacts>) -> Void) {
        func visit(_ timeline: Timeline<OfferFacts>) {
            guard let o = timeline.facts(at: point), o.outcome == .accepted else { return }
            body(o, timeline)
        }
        if let candidates {
            for timeline in candidates.acceptedOffers { visit(timeline) }
        } else {
            for timeline in offers.byId.values { visit(timeline) }
        }
    }

    private func jobDims(_ j: JobFacts?) -> Dims {
        Dims(department: j?.departmentId, location: j?.locationId, employmentType: j?.employmentType)
    }

    // MARK: commitments (both modes)

    private mutating func countCommitments() {
        Self.forEachOffer(candidates, state.offers, at: point) { o, _ in
            guard let day = o.startDay, day > today else { return }
            add(offerDims(o), Self.month(day)) { c in c.committed += 1 }
        }
    }

    /// The dimensions of the role an offer fills: its opening's (in openings mode), else its job's.
    private func offerDims(_ o: OfferFacts) -> Dims {
        if source == .openings, let id = o.openingId, let opening = state.openings.facts(id, at: point) {
            return openingDims(opening)
        }
        let job = o.applicationId.flatMap { state.applications.facts($0, at: point)?.jobId }.flatMap { state.jobs.facts($0, at: point) }
        return jobDims(job)
    }

    // MARK: grouping

    private mutating func add(_ dims: Dims, _ month: YearMonth?, _ update: (inout HeadcountCounts) -> Void) {
        if let month {
            if let from = query.from, month < from { return }
            if let to = query.to, month > to { return }
        } else if !query.includeUnscheduled {
            return
        }
        update(&totals)
        var key = Key()
        if query.groupBy.contains(.location) { key.location = dims.location }
        if query.groupBy.contains(.employmentType) { key.employmentType = dims.employmentType }
        if query.interval == .month { key.month = month }
        guard query.groupBy.contains(.department), let department = dims.department else {
            update(&groups[key, default: HeadcountCounts()])
            return
        }
        for d in query.rollUpDepartments ? chain(department) : [department] {
            key.department = d
            update(&groups[key, default: HeadcountCounts()])
        }
    }

    /// The department and its ancestors (self first), as the tree stood at the point; a cycle or a
    /// parent unknown then ends the chain.
    private mutating func chain(_ id: String) -> [String] {
        if let c = departmentChains[id] { return c }
        let out = ancestry(id)
        departmentChains[id] = out
        return out
    }

    func rows() -> [HeadcountRow] {
        var rows: [(sortKey: [String], row: HeadcountRow)] = []
        for (key, counts) in groups {
            let department = key.department.map { id -> DepartmentRef in
                let f = state.departments.facts(id, at: point)
                let path = ancestry(id).reversed().map { state.departments.facts($0, at: point)?.name ?? $0 }
                return DepartmentRef(id: id, name: f?.name, parentId: f?.parentId, path: path)
            }
            let location = key.location.map { LocationRef(id: $0, name: state.locations.facts($0, at: point)?.name) }
            let row = HeadcountRow(department: department, location: location, employmentType: key.employmentType,
                                   month: key.month, counts: counts)
            // Null sorts last in each column: "\u{10FFFF}" is above any name.
            let sortKey = [(department?.path ?? []).joined(separator: "\u{0}"), department?.id ?? "\u{10FFFF}",
                           location?.name ?? location?.id ?? "\u{10FFFF}", location?.id ?? "\u{10FFFF}",
                           key.employmentType ?? "\u{10FFFF}", key.month?.iso8601 ?? "\u{10FFFF}"]
            rows.append((sortKey, row))
        }
        return rows.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }.map(\.row)
    }

    /// The chain, from the memo when `chain` has made it (rows() is not mutating, so it does not add to it).
    private func ancestry(_ id: String) -> [String] {
        if let c = departmentChains[id] { return c }
        var out = [id]
        var current = id
        while let parent = state.departments.facts(current, at: point)?.parentId, !out.contains(parent), out.count < 64 {
            out.append(parent)
            current = parent
        }
        return out
    }

    // MARK: helpers

    static func month(_ day: Int) -> YearMonth { YearMonth(CivilDate(daysSinceEpoch: day)) }

    /// Days the current date lies after the first one (`day` of a version visible at `point`, in log
    /// order; nil skips the version) (0 when not later).
    static func slip<F>(_ timeline: Timeline<F>, at point: BitemporalPoint, current: Int?, _ day: (F) -> Int?) -> Int {
        guard let current else { return 0 }
        let versions = timeline.versions
        for i in versions.indices {
            if versions[i].known > point.knownAt { break }
            if versions[i].valid <= point.validAt, let first = versions[i].facts.flatMap(day) { return max(0, current - first) }
        }
        return 0
    }
}

/// The records a headcount view can count, gathered once for all the points of a series so that each
/// point does not walk every application: 24 points over 125k applications walked 3M timelines, when
/// only the few ever hired can count. Openings and jobs are kept whole; offers only when accepted in
/// some version, applications only when hired in some version (the others count at no point).
/// Arrays, not the state's dictionaries: iterating them is several times cheaper.
struct HeadcountCandidates: Sendable {
    let openings: [Timeline<OpeningFacts>]
    let jobs: [(id: String, timeline: Timeline<JobFacts>)]
    let acceptedOffers: [Timeline<OfferFacts>]
    let hiredApplications: [(id: String, timeline: Timeline<ApplicationFacts>)]
    /// When the first opening became known (nil without openings): the source is openings from then on.
    let firstOpeningKnown: Timestamp?

    init(_ state: PlanEntities) {
        openings = Array(state.openings.byId.values)
        jobs = state.jobs.byId.map { (id: $0.key, timeline: $0.value) }
        acceptedOffers = state.offers.byId.values.filter { t in t.versions.contains { $0.facts?.outcome == .accepted } }
        hiredApplications = state.applications.byId.compactMap { id, t in
            t.versions.contains { $0.facts?.hired == true } ? (id: id, timeline: t) : nil
        }
        firstOpeningKnown = openings.lazy.map { $0.versions.first?.known ?? .distantFuture }.min()
    }
}

extension HeadcountCounts {
    mutating func addSlip(_ days: Int) {
        guard days > 0 else { return }
        slipped += 1
        slippedDays += days
    }
}
