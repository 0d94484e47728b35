/// The bitemporal compact state of every record the plan views read: openings (the plan), jobs
/// (the plan's stand-in, and dimensions), offers and applications (commitments and fills),
/// departments (the tree rows roll up) and locations (row labels).
///
/// This is the state of `HeadcountProjection`; other folds may embed it too. `head` is the latest
/// `observedAt` folded, the default evaluation time of queries.
public struct PlanEntities: Sendable, Equatable {
    public var openings = EntityTimelines<OpeningFacts>()
    public var jobs = EntityTimelines<JobFacts>()
    public var offers = EntityTimelines<OfferFacts>()
    public var applications = EntityTimelines<ApplicationFacts>()
    public var departments = EntityTimelines<DepartmentFacts>()
    public var locations = EntityTimelines<LocationFacts>()
    /// The latest `observedAt` folded (`.distantPast` before any event).
    public var head: Timestamp = .distantPast

    public init() {}

    /// Folds one event: record events of the six kinds; all others only move `head`.
    public mutating func apply(_ event: RecordedEvent) {
        if event.observedAt > head { head = event.observedAt }
        guard case .record(let kind, _) = event.type else { return }
        switch kind {
        case .opening: openings.apply(event)
        case .job: jobs.apply(event)
        case .offer: offers.apply(event)
        case .application: applications.apply(event)
        case .department: departments.apply(event)
        case .location: locations.apply(event)
        default: break
        }
    }

    /// What `apply` reads of the `data` of a record event of one of `kinds` (nil for others).
    public static func dataSelection(for type: EventType) -> JSONSelection? {
        guard case .record(let kind, let action) = type else { return nil }
        switch kind {
        case .opening: return selections.opening.selection(for: action)
        case .job: return selections.job.selection(for: action)
        case .offer: return selections.offer.selection(for: action)
        case .application: return selections.application.selection(for: action)
        case .department: return selections.department.selection(for: action)
        case .location: return selections.location.selection(for: action)
        default: return nil
        }
    }

    private static let selections = (
        opening: CompactFactsSelection(OpeningFacts.self), job: CompactFactsSelection(JobFacts.self),
        offer: CompactFactsSelection(OfferFacts.self), application: CompactFactsSelection(ApplicationFacts.self),
        department: CompactFactsSelection(DepartmentFacts.self), location: CompactFactsSelection(LocationFacts.self))

    /// The record kinds `apply` reads.
    public static let kinds: Set<EntityKind> = [.opening, .job, .offer, .application, .department, .location]

    public var json: JSONValue {
        ["openings": openings.json, "jobs": jobs.json, "offers": offers.json, "applications": applications.json,
         "departments": departments.json, "locations": locations.json, "head": StateCoding.ts(head)]
    }

    /// Exactly `json.canonicalBytes()`, written directly (see `StateWriter`); members in UTF-8 byte
    /// order.
    public func canonicalBytes() -> [UInt8] {
        StateWriter.bytes(capacity: 1 << 20) { w in
            w.append("{\"applications\":")
            applications.writeCanonical(&w)
            w.append(",\"departments\":")
            departments.writeCanonical(&w)
            w.append(",\"head\":")
            w.writeTimestamp(head)
            w.append(",\"jobs\":")
            jobs.writeCanonical(&w)
            w.append(",\"locations\":")
            locations.writeCanonical(&w)
            w.append(",\"offers\":")
            offers.writeCanonical(&w)
            w.append(",\"openings\":")
            openings.writeCanonical(&w)
            w.append(UInt8(ascii: "}"))
        }
    }

    public init(json: JSONValue) throws(ProjectionStateError) {
        openings = try EntityTimelines(json: json["openings"] ?? .null)
        jobs = try EntityTimelines(json: json["jobs"] ?? .null)
        offers = try EntityTimelines(json: json["offers"] ?? .null)
        applications = try EntityTimelines(json: json["applications"] ?? .null)
        departments = try EntityTimelines(json: json["departments"] ?? .null)
        locations = try EntityTimelines(json: json["locations"] ?? .null)
        head = try StateCoding.timestamp(json["head"], "head")
    }
}
