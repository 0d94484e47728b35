/// Applications through interview stages (issue 5): counts per stage, conversion between stage
/// types, time in stage and time to fill, per job or department, at any point on either time axis.
///
/// Folds domain events (`application.stage_changed`, `opening.opened`, `job.opened`,
/// `offer.accepted`), whose `occurredAt` is the best source time the classifier found (a stage
/// entry's `enteredStageAt`, backfilled moves included), and department record events for names.
public enum PipelineProjection: Projection {
    public typealias State = PipelineState

    public static let name = "pipeline"
    public static let version = 1

    public static func initialState() -> PipelineState { PipelineState() }

    public static func handles(_ type: EventType) -> Bool {
        switch type {
        case .domain(.applicationStageChanged), .domain(.openingOpened), .domain(.jobOpened), .domain(.offerAccepted),
             .record(.department, _):
            true
        default:
            false
        }
    }

    public static func apply(_ event: RecordedEvent, to state: inout PipelineState) {
        if event.observedAt > state.head { state.head = event.observedAt }
        let instant = PipelineState.Instant(valid: event.occurredAt, known: event.observedAt)
        let data = event.data
        switch event.type {
        case .domain(.applicationStageChanged):
            guard let to = data["toStage"], let stageId = to.string("id") else { return }
            state.stages[stageId] = PipelineState.Stage(title: to.string("title"), type: to.string("type"),
                                                        order: to["orderInInterviewPlan"]?.intValue)
            let job = data["job"]
            let jobId = job?.string("id")
            if let jobId {
                state.jobs[jobId] = PipelineState.Job(title: job?.string("title"), departmentId: job?.string("departmentId"))
            }
            let id = event.subject.id
            // In place: no copy of the entries array per event.
            state.applications[id, default: PipelineState.Application()].jobId = jobId
            state.applications[id]!.departmentId = job?.string("departmentId")
            state.applications[id]!.entries.append(PipelineState.StageEntry(stageId: stageId, valid: instant.valid, known: instant.known))
        case .domain(.openingOpened):
            let id = event.subject.id
            guard state.openingFills[id]?.opened == nil else { return }
            state.openingFills[id, default: PipelineState.Fill()].opened = instant
            state.openingFills[id]!.departmentId = data.string("departmentId")
            state.openingFills[id]!.jobId = data["jobs"]?[0]?.string("id")
        case .domain(.jobOpened):
            let id = event.subject.id
            guard state.jobFills[id]?.opened == nil else { return }
            state.jobFills[id, default: PipelineState.Fill()].opened = instant
            state.jobFills[id]!.departmentId = data.string("departmentId")
            state.jobFills[id]!.jobId = id
        case .domain(.offerAccepted):
            let startDay = data.day("startDate")
            if let opening = data.string("openingId"), state.openingFills[opening]?.accepted == nil {
                state.openingFills[opening, default: PipelineState.Fill()].accepted = instant
                state.openingFills[opening]!.startDay = startDay
            }
            if let job = data["job"]?.string("id"), state.jobFills[job]?.accepted == nil {
                state.jobFills[job, default: PipelineState.Fill()].accepted = instant
                state.jobFills[job]!.startDay = startDay
            }
        case .record(.department, _):
            state.departments.apply(event)
        default:
            break
        }
    }

    /// `state.json.canonicalBytes()`, written without building the tree (several times faster).
    public static func encode(_ state: PipelineState) -> [UInt8] { state.canonicalBytes() }

    public static func decode(_ bytes: [UInt8]) throws(ProjectionStateError) -> PipelineState {
        try PipelineState(json: StateCoding.parse(bytes))
    }
}
