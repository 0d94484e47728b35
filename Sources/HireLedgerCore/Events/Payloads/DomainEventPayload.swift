/// The typed `data` of one domain event type: what the classifier encodes and projections decode.
///
/// Rules a conforming type keeps:
/// - Its member names are spelled out by hand in `data` and `init(data:)` (never derived from Swift
///   names), exactly the members of `schemas/events/data/<wire name>.schema.json`, every one present
///   (`null` when unknown). The schema tests encode every payload type and validate it, and decode
///   every schema example back (`DomainEventPayloadSchemaTests`), so the two cannot drift.
/// - `init(data:)` reads what `data` wrote: `Self(data: p.data) == p`, and the JSON of an event
///   written by any earlier release decodes and re-encodes to the same canonical bytes (the stored
///   log and webhook consumers depend on it).
/// - `init(data:)` also reads the pruned `data` a projection runner builds (`Projection.dataSelection`):
///   a nullable member that is absent, `null` or not of its type reads as nil, so a selection may
///   leave out any nullable member; a required (non-null) member that is absent or of another type
///   is an `EventDataError`, so a selection must keep the required members of what it decodes.
public protocol DomainEventPayload: Sendable, Equatable {
    /// The event type this is the data of.
    static var eventType: DomainEventType { get }
    /// The event's `data` object.
    var data: JSONValue { get }
    /// Reads an event's `data` (see the rules above).
    init(data: JSONValue) throws(EventDataError)
}

/// The event type of one of several event types that share a payload shape: the shape is one generic
/// payload type (`ApplicationEvent.AtStage`, `OfferEvent.Decision`, `OpeningEvent.StateChange`,
/// `JobEvent.Change`) and each event type an alias of it with its tag (`ApplicationEvent.Hired`).
public protocol DomainEventTag {
    static var eventType: DomainEventType { get }
}

extension DomainEventPayload {
    /// This payload's event type as an `EventType`.
    public static var type: EventType { .domain(eventType) }
}

extension RecordedEvent {
    /// This event's `data` as `P`; nil when the event is of another type or its data cannot be read
    /// (a projection then leaves its state as it would be without the event).
    @inline(__always) public func payload<P: DomainEventPayload>(_: P.Type) -> P? {
        guard type == P.type else { return nil }
        return try? P(data: data)
    }
}

extension DomainEventType {
    /// The Swift type of this event type's `data`.
    public var payloadType: any DomainEventPayload.Type {
        switch self {
        case .applicationStageChanged: ApplicationEvent.StageChanged.self
        case .applicationHired: ApplicationEvent.Hired.self
        case .applicationArchived: ApplicationEvent.Archived.self
        case .applicationUnarchived: ApplicationEvent.Unarchived.self
        case .offerCreated: OfferEvent.Created.self
        case .offerAccepted: OfferEvent.Accepted.self
        case .offerDeclined: OfferEvent.Declined.self
        case .offerCancelled: OfferEvent.Cancelled.self
        case .offerStartDateChanged: OfferEvent.StartDateChanged.self
        case .openingOpened: OpeningEvent.Opened.self
        case .openingFilled: OpeningEvent.Filled.self
        case .openingClosed: OpeningEvent.Closed.self
        case .openingTargetStartDateChanged: OpeningEvent.TargetStartDateChanged.self
        case .jobOpened: JobEvent.Opened.self
        case .jobClosed: JobEvent.Closed.self
        case .candidateMerged: CandidateEvent.Merged.self
        case .candidateDeleted: CandidateEvent.Deleted.self
        case .candidateErased: CandidateEvent.Erased.self
        }
    }
}

/// A domain event's `data` that cannot be read as its payload type: a required member missing or of
/// another type.
public struct EventDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The event type whose data was read.
    public let type: DomainEventType
    /// The member, as a dotted path (`toStage.id`); empty for the data itself.
    public let member: String
    public let problem: String

    public init(type: DomainEventType, member: String, problem: String) {
        self.type = type
        self.member = member
        self.problem = problem
    }

    public var description: String {
        let what = member.isEmpty ? "the data" : "member '\(member)'"
        return "cannot read the data of a \(type.rawValue) event: \(what) \(problem); the event does not match "
            + "schemas/events/data/\(type.rawValue).schema.json"
    }
}
