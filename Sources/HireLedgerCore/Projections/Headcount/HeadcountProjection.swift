/// Headcount plan versus reality (issue 5): the fold keeps `PlanEntities` (bitemporal timelines of
/// compact openings, jobs, offers, applications, departments and locations); `view(_:query:)` reads
/// them at any point on either time axis without refolding.
public enum HeadcountProjection: Projection {
    public typealias State = PlanEntities

    public static let name = "headcount"
    // 2: openings carry `isArchived` (archived openings are not planned headcount).
    public static let version = 2

    public static func initialState() -> PlanEntities { PlanEntities() }

    public static func apply(_ event: RecordedEvent, to state: inout PlanEntities) { state.apply(event) }

    /// Record events of the kinds `PlanEntities` reads. Skipping domain events costs `head` nothing:
    /// each shares its observation time with the record event it derives from.
    public static func handles(_ type: EventType) -> Bool {
        if case .record(let kind, _) = type { return PlanEntities.kinds.contains(kind) }
        return false
    }

    /// Only the members `PlanEntities` reads (`CompactFactsSelection`).
    public static func dataSelection(for type: EventType) -> JSONSelection {
        PlanEntities.dataSelection(for: type) ?? .all
    }

    /// `state.json.canonicalBytes()`, written without building the tree (several times faster).
    public static func encode(_ state: PlanEntities) -> [UInt8] { state.canonicalBytes() }

    public static func decode(_ bytes: [UInt8]) throws(ProjectionStateError) -> PlanEntities {
        try PlanEntities(json: StateCoding.parse(bytes))
    }
}
