@testable import HireLedgerCore

// The pipeline projection as it was at version 2 (a dictionary of applications, each with its
// stage entries in log order, filtered and sorted per query): kept here as the reference the
// query structure of version 3 must agree with, answer for answer. `view` takes the order in
// which to visit applications (the old code visited them in dictionary order, which only
// changes the last bits of summed means), so answers can be compared exactly.
/// The state of `PipelineProjection`: every application's stage entries on both time axes, the
/// stages and jobs seen, and the open and accept instants time-to-fill is measured between.
struct LegacyPipelineState: Sendable, Equatable {
    /// One entry of an application into a stage.
    struct StageEntry: Sendable, Equatable {
        var stageId: String
        /// When it entered (valid time: `enteredStageAt` when read from history).
        var valid: Timestamp
        /// When HireLedger learnt it.
        var known: Timestamp
    }

    /// An application's job and its stage entries in log order.
    /// The stage id of the entry that marks an application deleted (from its `valid` instant on, until
    /// a later entry restores it). No stage has an empty id.
    static let goneStageId = ""

    struct Application: Sendable, Equatable {
        var jobId: String?
        var departmentId: String?
        var entries: [StageEntry] = []
    }

    /// A stage's latest title, type and order as carried by events.
    struct Stage: Sendable, Equatable {
        var title: String?
        var type: String?
        var order: Int?
    }

    /// A job's latest title and department as carried by events.
    struct Job: Sendable, Equatable {
        var title: String?
        var departmentId: String?
    }

    /// When a role (an opening, or a job standing in) opened and was first accepted.
    struct Fill: Sendable, Equatable {
        var departmentId: String?
        var jobId: String?
        var opened: Instant?
        var accepted: Instant?
        /// The accepted offer's start date, days since 1970-01-01.
        var startDay: Int?
    }

    /// An instant on both axes.
    struct Instant: Sendable, Equatable {
        var valid: Timestamp
        var known: Timestamp
    }

    var applications: [String: Application] = [:]
    var stages: [String: Stage] = [:]
    var jobs: [String: Job] = [:]
    var openingFills: [String: Fill] = [:]
    var jobFills: [String: Fill] = [:]
    var departments = EntityTimelines<DepartmentFacts>()
    var head: Timestamp = .distantPast

    init() {}
}

enum LegacyPipeline {
    static func fold(_ events: some Sequence<RecordedEvent>) -> LegacyPipelineState {
        var s = LegacyPipelineState()
        for e in events where PipelineProjection.handles(e.type) { apply(e, to: &s) }
        return s
    }

    static func apply(_ event: RecordedEvent, to state: inout LegacyPipelineState) {
        if event.observedAt > state.head { state.head = event.observedAt }
        let instant = LegacyPipelineState.Instant(valid: event.occurredAt, known: event.observedAt)
        switch event.type {
        case .domain(.applicationStageChanged):
            guard let e = event.payload(ApplicationEvent.StageChanged.self) else { return }
            let to = e.toStage
            // The ids kept in entries and applications are the dictionaries' own key strings, so a
            // million entries share a few hundred strings instead of holding one copy each (less
            // memory, and a cheaper encode and snapshot copy); one hash lookup per dictionary.
            let stageId = Self.intern(to.id, LegacyPipelineState.Stage(title: to.title, type: to.type, order: to.orderInInterviewPlan),
                                      in: &state.stages)
            let job = e.application.job
            var jobId = job?.id
            let departmentId = job?.departmentId
            if let id = jobId {
                jobId = Self.intern(id, LegacyPipelineState.Job(title: job?.title, departmentId: departmentId), in: &state.jobs)
            }
            // One lookup, in place: no copy of the entries array per event.
            Self.update(&state.applications[event.subject.id, default: LegacyPipelineState.Application()]) { a in
                if a.jobId != jobId { a.jobId = jobId }
                if a.departmentId != departmentId { a.departmentId = departmentId }
                a.entries.append(LegacyPipelineState.StageEntry(stageId: stageId, valid: instant.valid, known: instant.known))
            }
        case .domain(.openingOpened):
            let id = event.subject.id
            guard state.openingFills[id]?.opened == nil, let opening = event.payload(OpeningEvent.Opened.self)?.opening else { return }
            state.openingFills[id, default: LegacyPipelineState.Fill()].opened = instant
            state.openingFills[id]!.departmentId = opening.departmentId
            state.openingFills[id]!.jobId = opening.jobs.first?.id
        case .domain(.jobOpened):
            let id = event.subject.id
            guard state.jobFills[id]?.opened == nil, let job = event.payload(JobEvent.Opened.self)?.job else { return }
            state.jobFills[id, default: LegacyPipelineState.Fill()].opened = instant
            state.jobFills[id]!.departmentId = job.departmentId
            state.jobFills[id]!.jobId = id
        case .domain(.offerAccepted):
            guard let offer = event.payload(OfferEvent.Accepted.self)?.offer else { return }
            let startDay = StateCoding.day(offer.startDate)
            if let opening = offer.openingId, state.openingFills[opening]?.accepted == nil {
                state.openingFills[opening, default: LegacyPipelineState.Fill()].accepted = instant
                state.openingFills[opening]!.startDay = startDay
            }
            if let job = offer.job?.id, state.jobFills[job]?.accepted == nil {
                state.jobFills[job, default: LegacyPipelineState.Fill()].accepted = instant
                state.jobFills[job]!.startDay = startDay
            }
        case .record(.department, _):
            state.departments.apply(event)
        case .record(.application, .deleted):
            // Gone from this instant on (the deletion's occurredAt: no later than the sync that found it).
            guard let last = state.applications[event.subject.id]?.entries.last, last.stageId != LegacyPipelineState.goneStageId else { return }
            state.applications[event.subject.id]!.entries.append(
                LegacyPipelineState.StageEntry(stageId: LegacyPipelineState.goneStageId, valid: instant.valid, known: instant.known))
        case .record(.application, .restored):
            // Back in the stage it was last seen in.
            guard let entries = state.applications[event.subject.id]?.entries, entries.last?.stageId == LegacyPipelineState.goneStageId,
                  let stay = entries.last(where: { $0.stageId != LegacyPipelineState.goneStageId }) else { return }
            state.applications[event.subject.id]!.entries.append(
                LegacyPipelineState.StageEntry(stageId: stay.stageId, valid: instant.valid, known: instant.known))
        default:
            break
        }
    }

    @inline(__always) private static func update<T>(_ value: inout T, _ body: (inout T) -> Void) { body(&value) }

    /// Stores `value` under `key` (unless equal already) and returns the dictionary's own key string.
    @inline(__always) private static func intern<V: Equatable>(_ key: String, _ value: V, in d: inout [String: V]) -> String {
        if let i = d.index(forKey: key) {
            if d.values[i] != value { d.values[i] = value }
            return d.keys[i]
        }
        d[key] = value
        return key
    }
}
extension LegacyPipeline {
    /// Stage types in funnel order (Archived is an exit, not a step).
    static let funnelTypes = ["Lead", "PreInterviewScreen", "Active", "Offer", "Hired"]

    /// The pipeline view of `state` for `query`: a filter over each application's stage entries at
    /// the query's point (entries known by `knownAt` and entered by the evaluation time). Pure.
    static func view(_ state: LegacyPipelineState, query: PipelineQuery, order: [String]? = nil,
                     openingOrder: [String]? = nil, jobFillOrder: [String]? = nil) -> PipelineView {
        let point = BitemporalPoint.resolve(asOf: query.asOf, knownAt: query.knownAt, head: state.head)
        var groups: [String: LegacyGroupAccumulator] = [:]
        var entries: [LegacyPipelineState.StageEntry] = []
        for app in order.map({ $0.compactMap { state.applications[$0] } }) ?? Array(state.applications.values) {
            entries.removeAll(keepingCapacity: true)
            for e in app.entries where e.known <= point.knownAt && e.valid <= point.validAt { entries.append(e) }
            guard !entries.isEmpty else { continue }
            // Valid-time order: backfilled entries may have been learnt after later ones.
            entries.sort { $0.valid < $1.valid }
            // Deleted at the point: not counted; deleted and restored before it: the gap is no stay.
            if entries[entries.count - 1].stageId == LegacyPipelineState.goneStageId { continue }
            if entries.contains(where: { $0.stageId == LegacyPipelineState.goneStageId }) {
                entries.removeAll { $0.stageId == LegacyPipelineState.goneStageId }
            }
            let key = (query.groupBy == .job ? app.jobId : app.departmentId) ?? ""
            groups[key, default: LegacyGroupAccumulator()].add(entries, stages: state.stages, query: query)
        }

        let fills = state.openingFills.isEmpty ? state.jobFills : state.openingFills
        let source: PlanSource = state.openingFills.isEmpty ? .jobs : .openings
        var fillGroups: [String: [LegacyPipelineState.Fill]] = [:]
        var allFills: [LegacyPipelineState.Fill] = []
        let fillOrder = state.openingFills.isEmpty ? jobFillOrder : openingOrder
        for f in fillOrder.map({ $0.compactMap { fills[$0] } }) ?? Array(fills.values) {
            // A fill whose opening was not open at the point (or not yet known) adds nothing there; it
            // must not add a row either, or a view known at T would list jobs first seen after T.
            guard let opened = f.opened, opened.known <= point.knownAt, opened.valid <= point.validAt else { continue }
            allFills.append(f)
            let key = (query.groupBy == .job ? f.jobId : f.departmentId) ?? ""
            fillGroups[key, default: []].append(f)
        }
        var rows: [PipelineRow] = []
        for key in Set(groups.keys).union(fillGroups.keys) {
            let g = groups[key] ?? LegacyGroupAccumulator()
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

    static func timeToFill(_ fills: [LegacyPipelineState.Fill], _ source: PlanSource, _ point: BitemporalPoint) -> TimeToFill {
        var toAccept: [Double] = [], toStart: [Double] = []
        func visible(_ i: LegacyPipelineState.Instant?) -> LegacyPipelineState.Instant? {
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
struct LegacyGroupAccumulator {
    var applications = 0
    var current: [String: Int] = [:]
    var entered: [String: Int] = [:]
    var stays: [String: [Double]] = [:]
    var reachedRank: [Int] = Array(repeating: 0, count: LegacyPipeline.funnelTypes.count)
    var monthCounts: [MonthKey: Int] = [:]

    struct MonthKey: Hashable {
        var month: YearMonth
        var type: String
    }

    /// Adds one application's visible entries, in valid-time order.
    mutating func add(_ entries: [LegacyPipelineState.StageEntry], stages: [String: LegacyPipelineState.Stage], query: PipelineQuery) {
        applications += 1
        current[entries[entries.count - 1].stageId, default: 0] += 1
        var highest = -1
        for (i, e) in entries.enumerated() {
            entered[e.stageId, default: 0] += 1
            if i + 1 < entries.count {
                stays[e.stageId, default: []].append(LegacyPipeline.days(
                    entries[i + 1].valid.millisecondsSinceEpoch - e.valid.millisecondsSinceEpoch))
            }
            let type = stages[e.stageId]?.type
            if let type, let rank = LegacyPipeline.funnelTypes.firstIndex(of: type) { highest = max(highest, rank) }
            let month = YearMonth(e.valid.day)
            if let type, query.from.map({ month >= $0 }) ?? true, query.to.map({ month <= $0 }) ?? true {
                monthCounts[MonthKey(month: month, type: type), default: 0] += 1
            }
        }
        if highest >= 0 { for r in 0...highest { reachedRank[r] += 1 } }
    }

    func stageStats(_ stages: [String: LegacyPipelineState.Stage]) -> [StageStats] {
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
        LegacyPipeline.funnelTypes.enumerated().map { i, type in
            let previous = i == 0 ? 0 : reachedRank[i - 1]
            return FunnelStep(type: type, reached: reachedRank[i],
                              conversion: i == 0 || previous == 0 ? nil : Double(reachedRank[i]) / Double(previous))
        }
    }

    func months() -> [MonthEntries] {
        monthCounts.map { MonthEntries(month: $0.key.month, type: $0.key.type, entered: $0.value) }.sorted { a, b in
            if a.month != b.month { return a.month < b.month }
            let ra = LegacyPipeline.funnelTypes.firstIndex(of: a.type) ?? Int.max
            let rb = LegacyPipeline.funnelTypes.firstIndex(of: b.type) ?? Int.max
            return ra != rb ? ra < rb : a.type < b.type
        }
    }
}
