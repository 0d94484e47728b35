/// The events one sync transaction appends, in order: each record event followed by the domain events
/// classified from it, which point back to it by `causationIndex`.
///
/// The sync service builds one batch per transaction and appends `events` (or `recorded(...)`) at the
/// log's next positions in the same write transaction as the state index updates.
public struct EventBatch: Sendable {
    public private(set) var events: [PendingEvent] = []
    public let classifier: EventClassifier

    public init(classifier: EventClassifier = EventClassifier()) {
        self.classifier = classifier
    }

    public var isEmpty: Bool { events.isEmpty }

    /// Appends the record event for `change` of `subject` and the domain events derived from it.
    /// Returns the range of `events` added: empty for an `updated` whose records are equal.
    ///
    /// `context` must answer with the state as it is after the earlier changes of this batch, so that
    /// an application classified after its job sees the job's new title.
    @discardableResult
    public mutating func append(_ change: RecordChange, of subject: EntityKey, observedAt: Timestamp,
                                context: some ClassificationContext) -> Range<Int> {
        let start = events.count
        guard let recordEvent = change.recordEvent(subject: subject, observedAt: observedAt) else { return start..<start }
        events.append(recordEvent)
        for var e in classifier.classify(change, subject: subject, observedAt: observedAt, context: context) {
            e.causationIndex = start
            events.append(e)
        }
        return start..<events.count
    }

    /// Appends the `created` record event of a record known by its bytes only, followed by its domain events
    /// classified earlier (`EventClassifier.classify` of the same creation with the same lookups, any
    /// `observedAt`), as `append(.created(record), of:observedAt:context:)` would append them: each gets
    /// `observedAt` and points back to the record event. `updatedAt` is the record's `updatedAt` (nil when it
    /// has none or it is unreadable), which the record event's `occurredAt` is. The caller vouches that
    /// classifying now would give these events.
    ///
    /// The event's `data` is `null`: the caller holds its canonical bytes (`{"record": R}`, from the record's)
    /// and stores those, so the record never needs a tree (most records of a first sync).
    @discardableResult
    public mutating func appendCreated(of subject: EntityKey, updatedAt: Timestamp?, observedAt: Timestamp,
                                       classified: [PendingEvent]) -> Range<Int> {
        let start = events.count
        events.append(PendingEvent(type: .record(subject.kind, .created), subject: subject, observedAt: observedAt,
                                   occurredAt: updatedAt ?? observedAt, occurredAtInferred: updatedAt == nil, data: .null))
        for var e in classified {
            e.observedAt = observedAt
            e.causationIndex = start
            events.append(e)
        }
        return start..<events.count
    }

    /// Appends an event built elsewhere (e.g. backfilled stage moves from `EventClassifier.backfill`).
    /// Precondition: its causation index, if any, points to an earlier event of this batch.
    public mutating func append(_ event: PendingEvent) {
        precondition(event.causationIndex.map { $0 >= 0 && $0 < events.count } ?? true, "causation index must point to an earlier event")
        events.append(event)
    }

    /// The batch recorded at consecutive positions from `first`.
    public func recorded(startingAt first: LogPosition, storeId: String) -> [RecordedEvent] {
        events.recorded(startingAt: first, storeId: storeId)
    }
}
