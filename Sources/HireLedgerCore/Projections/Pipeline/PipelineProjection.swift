/// Applications through interview stages (issue 5): counts per stage, conversion between stage
/// types, time in stage and time to fill, per job or department, at any point on either time axis.
///
/// Folds domain events (`application.stage_changed`, `opening.opened`, `job.opened`,
/// `offer.accepted`), whose `occurredAt` is the best source time the classifier found (a stage
/// entry's `enteredStageAt`, backfilled moves included), and department record events for names.
public enum PipelineProjection: Projection {
    public typealias State = PipelineState

    public static let name = "pipeline"
    // 2: application deletions and restores end and resume an application's presence.
    public static let version = 2

    public static func initialState() -> PipelineState { PipelineState() }

    public static func handles(_ type: EventType) -> Bool {
        switch type {
        case .domain(.applicationStageChanged), .domain(.openingOpened), .domain(.jobOpened), .domain(.offerAccepted),
             .record(.department, _), .record(.application, .deleted), .record(.application, .restored):
            true
        default:
            false
        }
    }

    /// Only the members `apply` reads, and the required members of the payloads it decodes
    /// (`DomainEventPayload`: a pruned nullable member reads as nil, a missing required one fails).
    public static func dataSelection(for type: EventType) -> JSONSelection {
        switch type {
        case .domain(.applicationStageChanged): selections.stageChanged
        case .domain(.openingOpened): selections.openingOpened
        case .domain(.jobOpened): selections.jobOpened
        case .domain(.offerAccepted): selections.offerAccepted
        case .record(.department, let action): selections.department.selection(for: action)
        case .record(.application, _): selections.nothing
        default: .all
        }
    }

    private static let selections = (
        stageChanged: JSONSelection.members(["applicationId": .all, "toStage": .only(["id", "title", "type", "orderInInterviewPlan"]),
                                             "job": .only(["id", "title", "departmentId"])]),
        openingOpened: JSONSelection.members(["openingId": .all, "departmentId": .all, "locationIds": .all,
                                              "jobs": .elements(.only(["id"]))]),
        jobOpened: JSONSelection.only(["jobId", "departmentId"]),
        offerAccepted: JSONSelection.members(["offerId": .all, "startDate": .all, "openingId": .all, "job": .only(["id"])]),
        department: CompactFactsSelection(DepartmentFacts.self),
        nothing: JSONSelection.only([String]()))

    public static func apply(_ event: RecordedEvent, to state: inout PipelineState) {
        if event.observedAt > state.head { state.head = event.observedAt }
        let instant = PipelineState.Instant(valid: event.occurredAt, known: event.observedAt)
        switch event.type {
        case .domain(.applicationStageChanged):
            guard let e = event.payload(ApplicationEvent.StageChanged.self) else { return }
            let to = e.toStage
            // The ids kept in entries and applications are the dictionaries' own key strings, so a
            // million entries share a few hundred strings instead of holding one copy each (less
            // memory, and a cheaper encode and snapshot copy); one hash lookup per dictionary.
            let stageId = Self.intern(to.id, PipelineState.Stage(title: to.title, type: to.type, order: to.orderInInterviewPlan),
                                      in: &state.stages)
            let job = e.application.job
            var jobId = job?.id
            let departmentId = job?.departmentId
            if let id = jobId {
                jobId = Self.intern(id, PipelineState.Job(title: job?.title, departmentId: departmentId), in: &state.jobs)
            }
            // One lookup, in place: no copy of the entries array per event.
            Self.update(&state.applications[event.subject.id, default: PipelineState.Application()]) { a in
                if a.jobId != jobId { a.jobId = jobId }
                if a.departmentId != departmentId { a.departmentId = departmentId }
                a.entries.append(PipelineState.StageEntry(stageId: stageId, valid: instant.valid, known: instant.known))
            }
        case .domain(.openingOpened):
            let id = event.subject.id
            guard state.openingFills[id]?.opened == nil, let opening = event.payload(OpeningEvent.Opened.self)?.opening else { return }
            state.openingFills[id, default: PipelineState.Fill()].opened = instant
            state.openingFills[id]!.departmentId = opening.departmentId
            state.openingFills[id]!.jobId = opening.jobs.first?.id
        case .domain(.jobOpened):
            let id = event.subject.id
            guard state.jobFills[id]?.opened == nil, let job = event.payload(JobEvent.Opened.self)?.job else { return }
            state.jobFills[id, default: PipelineState.Fill()].opened = instant
            state.jobFills[id]!.departmentId = job.departmentId
            state.jobFills[id]!.jobId = id
        case .domain(.offerAccepted):
            guard let offer = event.payload(OfferEvent.Accepted.self)?.offer else { return }
            let startDay = StateCoding.day(offer.startDate)
            if let opening = offer.openingId, state.openingFills[opening]?.accepted == nil {
                state.openingFills[opening, default: PipelineState.Fill()].accepted = instant
                state.openingFills[opening]!.startDay = startDay
            }
            if let job = offer.job?.id, state.jobFills[job]?.accepted == nil {
                state.jobFills[job, default: PipelineState.Fill()].accepted = instant
                state.jobFills[job]!.startDay = startDay
            }
        case .record(.department, _):
            state.departments.apply(event)
        case .record(.application, .deleted):
            // Gone from this instant on (the deletion's occurredAt: no later than the sync that found it).
            guard let last = state.applications[event.subject.id]?.entries.last, last.stageId != PipelineState.goneStageId else { return }
            state.applications[event.subject.id]!.entries.append(
                PipelineState.StageEntry(stageId: PipelineState.goneStageId, valid: instant.valid, known: instant.known))
        case .record(.application, .restored):
            // Back in the stage it was last seen in.
            guard let entries = state.applications[event.subject.id]?.entries, entries.last?.stageId == PipelineState.goneStageId,
                  let stay = entries.last(where: { $0.stageId != PipelineState.goneStageId }) else { return }
            state.applications[event.subject.id]!.entries.append(
                PipelineState.StageEntry(stageId: stay.stageId, valid: instant.valid, known: instant.known))
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

    /// `state.json.canonicalBytes()`, written without building the tree (several times faster).
    public static func encode(_ state: PipelineState) -> [UInt8] { state.canonicalBytes() }

    public static func decode(_ bytes: [UInt8]) throws(ProjectionStateError) -> PipelineState {
        try PipelineState(json: StateCoding.parse(bytes))
    }
}
