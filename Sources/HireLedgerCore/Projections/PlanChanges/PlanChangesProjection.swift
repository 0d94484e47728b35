/// What changed in the plan (issue 5): openings opened, closed or filled, offers accepted or
/// declined, start dates moved, hires landed. The fold keeps one compact `PlanChange` per such
/// domain event, in log order; `changes(_:query:)` filters them on either time axis.
public enum PlanChangesProjection: Projection {
    /// The changes in log order, and the latest dimensions seen per opening (offers inherit their
    /// opening's department, location and employment type).
    public struct State: Sendable, Equatable {
        public var changes: [PlanChange] = []
        public var openingDims: [String: Dims] = [:]
        public init() {}
    }

    /// An opening's dimensions as its latest event carried them.
    public struct Dims: Sendable, Equatable {
        public var departmentId: String?
        public var locationId: String?
        public var employmentType: String?
        public var isBackfill: Bool?
        public var identifier: String?
    }

    public static let name = "plan_changes"
    public static let version = 1

    public static func initialState() -> State { State() }

    public static func handles(_ type: EventType) -> Bool {
        if case .domain(let d) = type { return PlanChange.Kind(d) != nil }
        return false
    }

    public static func apply(_ event: RecordedEvent, to state: inout State) {
        guard case .domain(let type) = event.type, let kind = PlanChange.Kind(type) else { return }
        var change = PlanChange(kind: kind, event: event)
        switch type {
        case .openingOpened, .openingFilled, .openingClosed, .openingTargetStartDateChanged:
            let opening: OpeningEvent.Opening
            switch type {
            case .openingOpened: guard let e = event.payload(OpeningEvent.Opened.self) else { return }; opening = e.opening
            case .openingFilled: guard let e = event.payload(OpeningEvent.Filled.self) else { return }; opening = e.opening
            case .openingClosed: guard let e = event.payload(OpeningEvent.Closed.self) else { return }; opening = e.opening
            default:
                guard let e = event.payload(OpeningEvent.TargetStartDateChanged.self) else { return }
                opening = e.opening
                change.previousDay = StateCoding.day(e.previousTargetStartDate)
            }
            let dims = Dims(departmentId: opening.departmentId, locationId: opening.locationIds.first,
                            employmentType: opening.employmentType, isBackfill: opening.isBackfill, identifier: opening.identifier)
            state.openingDims[event.subject.id] = dims
            change.openingId = event.subject.id
            change.jobId = opening.jobs.first?.id
            change.fill(dims)
            change.day = StateCoding.day(opening.targetStartDate)
        case .offerAccepted, .offerDeclined, .offerStartDateChanged:
            let offer: OfferEvent.Offer
            switch type {
            case .offerAccepted: guard let e = event.payload(OfferEvent.Accepted.self) else { return }; offer = e.offer
            case .offerDeclined: guard let e = event.payload(OfferEvent.Declined.self) else { return }; offer = e.offer
            default:
                guard let e = event.payload(OfferEvent.StartDateChanged.self) else { return }
                offer = e.offer
                change.previousDay = StateCoding.day(e.previousStartDate)
            }
            change.offerId = event.subject.id
            change.applicationId = offer.applicationId
            change.openingId = offer.openingId
            change.jobId = offer.job?.id
            change.departmentId = offer.job?.departmentId
            change.locationId = offer.job?.locationId
            if let opening = change.openingId, let dims = state.openingDims[opening] { change.fill(dims) }
            change.day = StateCoding.day(offer.startDate)
        case .applicationHired:
            guard let e = event.payload(ApplicationEvent.Hired.self) else { return }
            change.applicationId = event.subject.id
            change.jobId = e.application.job?.id
            change.departmentId = e.application.job?.departmentId
            change.locationId = e.application.job?.locationId
        default:
            return
        }
        state.changes.append(change)
    }

    public static func encode(_ state: State) -> [UInt8] {
        let dims = StateCoding.object(uniqueKeys: state.openingDims.map { id, d in
            (id, ["departmentId": JSONValue(d.departmentId), "locationId": JSONValue(d.locationId),
                  "employmentType": JSONValue(d.employmentType), "isBackfill": d.isBackfill.map { JSONValue.bool($0) } ?? .null,
                  "identifier": JSONValue(d.identifier)] as JSONValue)
        })
        let json: JSONValue = ["changes": .array(state.changes.map(\.stateJSON)), "openingDims": .object(dims)]
        return json.canonicalBytes()
    }

    public static func decode(_ bytes: [UInt8]) throws(ProjectionStateError) -> State {
        let json = try StateCoding.parse(bytes)
        var state = State()
        for c in try StateCoding.array(json["changes"], "changes") { state.changes.append(try PlanChange(stateJSON: c)) }
        for m in try StateCoding.object(json["openingDims"] ?? .null, "openingDims") {
            state.openingDims[m.key] = Dims(
                departmentId: try StateCoding.optString(m.value["departmentId"], "openingDims.departmentId"),
                locationId: try StateCoding.optString(m.value["locationId"], "openingDims.locationId"),
                employmentType: try StateCoding.optString(m.value["employmentType"], "openingDims.employmentType"),
                isBackfill: m.value["isBackfill"].flatMap(\.boolValue),
                identifier: try StateCoding.optString(m.value["identifier"], "openingDims.identifier"))
        }
        return state
    }

    /// The changes in `query`'s window, ordered by the window's axis then log position. Pure.
    public static func changes(_ state: State, query: PlanChangesQuery) -> PlanChangesView {
        let known = query.knownAt ?? .distantFuture
        var items: [PlanChange] = []
        for c in state.changes where c.observedAt <= known {
            if let kinds = query.kinds, !kinds.contains(c.kind) { continue }
            let t = query.axis == .observed ? c.observedAt : c.occurredAt
            guard t > query.since, query.until.map({ t <= $0 }) ?? true else { continue }
            items.append(c)
        }
        if query.axis == .occurred {
            items.sort { ($0.occurredAt, $0.seq) < ($1.occurredAt, $1.seq) }
        }
        return PlanChangesView(query: query, items: items)
    }
}

extension PlanChange {
    mutating func fill(_ d: PlanChangesProjection.Dims) {
        departmentId = d.departmentId ?? departmentId
        locationId = d.locationId ?? locationId
        employmentType = d.employmentType ?? employmentType
        isBackfill = d.isBackfill ?? isBackfill
        identifier = d.identifier ?? identifier
    }
}
