/// The few fields of one kind of Ashby record that the plan views need, read from a full record and
/// kept current from `record.<kind>.updated` events' `changes` (the new value of each changed
/// top-level member), so projections never hold whole records nor apply patches.
///
/// Rules: `init(record:)` and `update(member:to:)` must agree (a record built member by member equals
/// one read whole), and neither may trap on unexpected data.
public protocol CompactFacts: Sendable, Equatable {
    /// The kind of record these facts come from.
    static var kind: EntityKind { get }
    /// The top-level record members the facts are read from; changes to others are ignored.
    static var members: Set<String> { get }
    /// What the facts read of each of `members` (`JSONSelection`), in a record and in the `after` of a
    /// change alike; a member not named is read whole. Default: every member whole.
    static var memberSelections: [String: JSONSelection] { get }

    init(record: JSONValue)
    /// Applies the new value of one changed top-level member (nil: removed). Only called for `members`.
    mutating func update(member: String, to value: JSONValue?)

    /// When this version became true, given the previous one and the event's `occurredAt`.
    /// Default: the event's time.
    func validFrom(previous: Self?, eventTime: Timestamp) -> Timestamp

    /// The versions a first sighting stands for, in valid-time order: usually one, valid from the
    /// record's `createdAt` (the record is taken to have been as first seen since it was created: the
    /// best knowledge there is), else from `eventTime`; a record first seen already closed also
    /// implies the earlier open version.
    static func firstSighting(_ facts: Self, record: JSONValue, eventTime: Timestamp) -> [(Timestamp, Self)]

    var json: JSONValue { get }
    init(json: JSONValue) throws(ProjectionStateError)
}

extension CompactFacts {
    public static var memberSelections: [String: JSONSelection] { [:] }
    public func validFrom(previous: Self?, eventTime: Timestamp) -> Timestamp { eventTime }
    public static func firstSighting(_ facts: Self, record: JSONValue, eventTime: Timestamp) -> [(Timestamp, Self)] {
        [(LifecycleTiming.created(record, eventTime), facts)]
    }
}

/// Shared valid-time rules for records with a lifecycle state and `openedAt` / `closedAt`
/// (openings and jobs): an open is valid from `openedAt`, a close or fill from `closedAt`,
/// as the classifier times `opening.opened` / `job.closed` and the like.
enum LifecycleTiming {
    static func validFrom(state: String?, previousState: String?, openedAt: Timestamp?, closedAt: Timestamp?,
                          eventTime: Timestamp) -> Timestamp {
        guard state != previousState else { return eventTime }
        switch state {
        case "Open": return openedAt ?? eventTime
        case "Closed", "Filled": return closedAt ?? eventTime
        default: return eventTime
        }
    }

    /// A record first seen closed (or filled) with both dates stands for an open version from
    /// `openedAt` and the closed one from `closedAt`; first seen open, it is valid from `openedAt`.
    /// `createdAt` when earlier than `eventTime`, else `eventTime`.
    static func created(_ record: JSONValue, _ eventTime: Timestamp) -> Timestamp {
        min(record.timestamp("createdAt") ?? eventTime, eventTime)
    }

    static func firstSighting<F>(_ facts: F, state: String?, openedAt: Timestamp?, closedAt: Timestamp?,
                                 created: Timestamp, eventTime: Timestamp, reopened: (F) -> F) -> [(Timestamp, F)] {
        switch state {
        case "Open":
            return [(openedAt ?? eventTime, facts)]
        case "Closed", "Filled":
            if let o = openedAt, let c = closedAt, o < c { return [(o, reopened(facts)), (c, facts)] }
            return [(closedAt ?? eventTime, facts)]
        default:
            return [(created, facts)]
        }
    }
}

/// What `EntityTimelines<Facts>.apply` reads of a record event's `data`, per action, built once per
/// kind (see `Projection.dataSelection(for:)`): of a `created` or `restored` record, `Facts.members`
/// (each pruned by `Facts.memberSelections`) and `createdAt` (first sightings are dated by it); of an
/// `updated` one, the `after` of the changes to `Facts.members`, pruned alike; of a `deleted` one,
/// nothing.
///
/// The member selections matter for applications, most of a large log: an application's
/// `currentInterviewStage` (a stage object of six members) and `job` (a job summary) were built whole
/// for every created and updated application, where the facts read one member of each.
public struct CompactFactsSelection: Sendable {
    public let whole: JSONSelection
    public let changes: JSONSelection
    public let nothing: JSONSelection = .only([])

    public init<Facts: CompactFacts>(_: Facts.Type) {
        let each = Dictionary(uniqueKeysWithValues: Facts.members.map { ($0, Facts.memberSelections[$0] ?? JSONSelection.all) })
        whole = .members(["record": .members(each.merging(["createdAt": .all]) { kept, _ in kept })])
        changes = .members(["changes": .members(each.mapValues { JSONSelection.members(["after": $0]) })])
    }

    public func selection(for action: RecordAction) -> JSONSelection {
        switch action {
        case .created, .restored: whole
        case .updated: changes
        case .deleted: nothing
        }
    }
}
