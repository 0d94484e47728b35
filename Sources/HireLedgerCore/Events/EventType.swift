/// The type of an event in the log, with its wire name (`record.application.updated`,
/// `application.stage_changed`).
///
/// Two layers (docs/ARCHITECTURE.md §3): record events, one per observed change of one record, and domain
/// events derived from them by `EventClassifier`. Record event wire names carry a `record.` prefix:
/// without it `offer.created` and `candidate.deleted` would name both a record event and a domain
/// event, and a consumer could subscribe to the whole change feed by the prefix alone.
/// Wire names are spelled out by hand and never change once released.
public enum EventType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case record(EntityKind, RecordAction)
    case domain(DomainEventType)

    /// Every type: all record events (kind by kind), then all domain events.
    public static let allCases: [EventType] =
        EntityKind.allCases.flatMap { k in RecordAction.allCases.map { EventType.record(k, $0) } }
        + DomainEventType.allCases.map { EventType.domain($0) }

    public var wireName: String {
        switch self {
        case .record(let kind, let action): "record.\(kind.rawValue).\(action.rawValue)"
        case .domain(let d): d.rawValue
        }
    }

    public init?(wireName: String) {
        if wireName.hasPrefix("record.") {
            let parts = wireName.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let kind = EntityKind(rawValue: String(parts[1])),
                  let action = RecordAction(rawValue: String(parts[2]))
            else { return nil }
            self = .record(kind, action)
        } else if let d = DomainEventType(rawValue: wireName) {
            self = .domain(d)
        } else {
            return nil
        }
    }

    /// The one-byte code of the type in a stored event's header (storage version 3, store format 5):
    /// a record event is its kind's storage code times four plus its action's code (1 to 75 for the
    /// kinds there are: room for 63 kinds), a domain event 128 plus its own code. Never 0. Like the wire
    /// names, these are written by hand and never change: a new type takes an unused code.
    public var storageCode: UInt8 {
        switch self {
        case .record(let kind, let action): kind.storageCode << 2 | action.storageCode
        case .domain(let d): 128 | d.storageCode
        }
    }

    /// The type whose `storageCode` is `code`, or nil for a code this build does not know.
    public init?(storageCode code: UInt8) {
        guard let type = EventType.byStorageCode[Int(code)] else { return nil }
        self = type
    }

    private static let byStorageCode: [EventType?] = {
        var table = [EventType?](repeating: nil, count: 256)
        for type in allCases {
            precondition(table[Int(type.storageCode)] == nil, "two event types share the storage code \(type.storageCode)")
            table[Int(type.storageCode)] = type
        }
        return table
    }()

    /// The entity kind events of this type are about (their `subject`'s kind).
    public var subjectKind: EntityKind {
        switch self {
        case .record(let k, _): k
        case .domain(let d): d.subjectKind
        }
    }

    /// The CloudEvents `type`: the wire name prefixed `ashby.`.
    public var cloudEventType: String { EventType.cloudEventTypePrefix + wireName }
    public static let cloudEventTypePrefix = "ashby."

    /// The URI of the JSON Schema of this type's `data` (the CloudEvents `dataschema`), which is also
    /// the schema's `$id`; the file is `schemas/events/data/<wire name>.schema.json` in the repository.
    public var dataSchemaURI: String { EventType.dataSchemaBase + wireName + ".schema.json" }
    public static let dataSchemaBase = "https://hireledger.dev/schemas/events/data/"

    public var description: String { wireName }
}

/// What happened to a record, as seen by comparing what Ashby returned with what the store held.
public enum RecordAction: String, Sendable, Hashable, CaseIterable {
    /// First seen.
    case created
    /// Seen with a different normalised form.
    case updated
    /// Gone (a tombstone with a reason; see `DeletionReason`).
    case deleted
    /// Seen again after a `deleted`.
    case restored

    /// Two bits of `EventType.storageCode`; never change.
    var storageCode: UInt8 {
        switch self {
        case .created: 0
        case .updated: 1
        case .deleted: 2
        case .restored: 3
        }
    }
}

/// Domain events: facts a consumer of an ATS cares about, derived from record changes.
public enum DomainEventType: String, Sendable, Hashable, CaseIterable {
    case applicationStageChanged = "application.stage_changed"
    case applicationHired = "application.hired"
    case applicationArchived = "application.archived"
    case applicationUnarchived = "application.unarchived"
    case offerCreated = "offer.created"
    case offerAccepted = "offer.accepted"
    case offerDeclined = "offer.declined"
    case offerCancelled = "offer.cancelled"
    case offerStartDateChanged = "offer.start_date_changed"
    case openingOpened = "opening.opened"
    case openingFilled = "opening.filled"
    case openingClosed = "opening.closed"
    case openingTargetStartDateChanged = "opening.target_start_date_changed"
    case jobOpened = "job.opened"
    case jobClosed = "job.closed"
    case candidateMerged = "candidate.merged"
    case candidateDeleted = "candidate.deleted"
    /// HireLedger erased the candidate's personal data from the store (`hireledger erase`): consumers
    /// should erase their copies too.
    case candidateErased = "candidate.erased"

    /// The low seven bits of `EventType.storageCode` (1 to 127); written by hand, never change.
    var storageCode: UInt8 {
        switch self {
        case .applicationStageChanged: 1
        case .applicationHired: 2
        case .applicationArchived: 3
        case .applicationUnarchived: 4
        case .offerCreated: 5
        case .offerAccepted: 6
        case .offerDeclined: 7
        case .offerCancelled: 8
        case .offerStartDateChanged: 9
        case .openingOpened: 10
        case .openingFilled: 11
        case .openingClosed: 12
        case .openingTargetStartDateChanged: 13
        case .jobOpened: 14
        case .jobClosed: 15
        case .candidateMerged: 16
        case .candidateDeleted: 17
        case .candidateErased: 18
        }
    }

    public var subjectKind: EntityKind {
        switch self {
        case .applicationStageChanged, .applicationHired, .applicationArchived, .applicationUnarchived: .application
        case .offerCreated, .offerAccepted, .offerDeclined, .offerCancelled, .offerStartDateChanged: .offer
        case .openingOpened, .openingFilled, .openingClosed, .openingTargetStartDateChanged: .opening
        case .jobOpened, .jobClosed: .job
        case .candidateMerged, .candidateDeleted, .candidateErased: .candidate
        }
    }
}
