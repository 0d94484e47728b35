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
    // 3: a state laid out for queries (interned ids, flat entry slots) in a binary encoding.
    public static let version = 3

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
            let stage = state.internStage(to.id, PipelineState.Stage(title: to.title, type: to.type, order: to.orderInInterviewPlan))
            let job = e.application.job
            let departmentId = job?.departmentId
            if let id = job?.id {
                let facts = PipelineState.Job(title: job?.title, departmentId: departmentId)
                if state.jobs[id] != facts { state.jobs[id] = facts }
            }
            // Rows group by these keys, an absent id under "" (as the view always did).
            let slot = state.slot(event.subject.id, jobKey: job?.id ?? "", departmentKey: departmentId ?? "")
            state.append(stage, valid: instant.valid, known: instant.known, to: slot)
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
            guard let slot = state.existingSlot(event.subject.id), state.slots[slot].lastStage >= 0 else { return }
            state.append(PipelineState.gone, valid: instant.valid, known: instant.known, to: slot)
        case .record(.application, .restored):
            // Back in the stage it was last seen in.
            guard let slot = state.existingSlot(event.subject.id), state.slots[slot].lastStage == PipelineState.gone,
                  state.slots[slot].lastPresent >= 0 else { return }
            state.append(state.slots[slot].lastPresent, valid: instant.valid, known: instant.known, to: slot)
        default:
            break
        }
    }

    /// The binary layout of `PipelineState.canonicalBytes()` (not JSON: a cold query decodes it
    /// with a few copies instead of parsing a million entries).
    public static func encode(_ state: PipelineState) -> [UInt8] { state.canonicalBytes() }

    public static func decode(_ bytes: [UInt8]) throws(ProjectionStateError) -> PipelineState {
        try PipelineState(canonicalBytes: bytes)
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(ProjectionStateError) -> PipelineState {
        try PipelineState(raw: bytes)
    }
}
