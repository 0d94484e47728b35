/// Derives domain events from one record change (docs/ARCHITECTURE.md §3).
///
/// Pure: the result depends only on the change, the observation time and what `context` answers.
/// Events come out in the order they happened as far as known, each with `occurredAt` read from the
/// source field that states when that very thing happened (`enteredStageAt`, `archivedAt`,
/// `decidedAt`, `openedAt`, `closedAt`, an offer or opening version's `createdAt`); when there is none
/// it falls back to the record's `updatedAt`, then to the observation time, and sets
/// `occurredAtInferred`.
///
/// Domain event data never carries candidate personal data (names, emails, phone numbers, links):
/// only ids and the job, stage, opening and offer facts a consumer needs without a lookup.
///
/// A first sighting (`created`, or `restored` with no previous record) is compared against nothing,
/// so it yields the facts true of the record now: an application's stage entry (all its history's
/// moves when the history is at hand), an open or closed job or opening, a new offer and its outcome.
public struct EventClassifier: Sendable {
    public init() {}

    /// The domain events for `change` of `subject`, without `causationIndex` (see `EventBatch`).
    public func classify(_ change: RecordChange, subject: EntityKey, observedAt: Timestamp,
                         context: some ClassificationContext) -> [PendingEvent] {
        var out = Emitter(subject: subject, observedAt: observedAt)
        switch subject.kind {
        case .application: applicationEvents(change, &out, context)
        case .offer: offerEvents(change, &out, context)
        case .opening: openingEvents(change, &out, context)
        case .job: jobEvents(change, &out)
        case .candidate: candidateEvents(change, &out)
        case .jobPosting, .interview, .interviewSchedule, .interviewPlan, .interviewStage, .archiveReason,
             .closeReason, .source, .candidateTag, .customField, .department, .location, .user:
            break
        }
        return out.events
    }
}

extension EventClassifier {
    /// Whether a `created` record of `kind` can have domain events. For the other kinds `classify` gives
    /// none for a creation, so a caller may skip the call, and the record's tree (a first sync's candidates
    /// and interview schedules never need one).
    public static func classifiesCreation(_ kind: EntityKind) -> Bool {
        switch kind {
        case .application, .offer, .opening, .job: true
        case .candidate, .jobPosting, .interview, .interviewSchedule, .interviewPlan, .interviewStage, .archiveReason,
             .closeReason, .source, .candidateTag, .customField, .department, .location, .user:
            false
        }
    }

    /// The members of a created record of `kind` that `classify` reads, for a caller that parses only
    /// those (`JSONValue.parse(_:selecting:)`) instead of the whole record; nil: the whole record. Given for
    /// applications, most of a first sync's classified records, whose normalised form is mostly members no
    /// event carries (form submissions, custom fields, hiring team). When the classifier reads another
    /// member of a new application, add it here: `SimulatedNormalizationTests` classifies every simulated
    /// creation both ways and fails otherwise.
    public static func creationSelection(_ kind: EntityKind) -> JSONSelection? {
        kind == .application ? applicationCreationSelection : nil
    }

    private static let applicationCreationSelection = JSONSelection.only([
        "id", "candidate", "status", "job", "currentInterviewStage", "applicationHistory", "updatedAt",
        "archiveReason", "archivedAt",
    ])
}

/// Collects the events of one classification with shared subject and observation time.
struct Emitter {
    let subject: EntityKey
    let observedAt: Timestamp
    var events: [PendingEvent] = []

    /// Appends an event with `payload` as its data; `read` is the source time that states when it
    /// happened, `record` the record whose `updatedAt` is the fallback.
    mutating func emit(_ payload: some DomainEventPayload, read: Timestamp?, record: JSONValue?, backfilled: Bool = false) {
        let (at, inferred) = occurrence(read: read, record: record)
        events.append(PendingEvent(type: type(of: payload).type, subject: subject, observedAt: observedAt, occurredAt: at,
                                   occurredAtInferred: inferred, backfilled: backfilled, data: payload.data))
    }

    func occurrence(read: Timestamp?, record: JSONValue?) -> (Timestamp, Bool) {
        if let read { return (read, false) }
        if let updated = record?.timestamp("updatedAt") { return (updated, true) }
        return (observedAt, true)
    }
}

extension JSONValue {
    /// The member `key` parsed as an ISO 8601 timestamp (or date); nil when absent, null or unreadable.
    func timestamp(_ key: String) -> Timestamp? { string(key).flatMap(Timestamp.init(iso8601:)) }

    /// The member `key` as is, or `null` when absent: for copying optional fields into event data.
    func orNull(_ key: String) -> JSONValue { self[key] ?? .null }
}

extension Optional where Wrapped == JSONValue {
    func orNull(_ key: String) -> JSONValue { self?[key] ?? .null }
}

extension Timestamp {
    var json: JSONValue { .string(iso8601) }
}
