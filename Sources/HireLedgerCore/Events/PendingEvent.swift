/// An event not yet in the log: everything but its position.
///
/// `causationIndex` points a domain event at the record event it was derived from, by that event's
/// index in the same batch (`EventBatch.events`); it must be smaller than the event's own index. Record
/// events have none. It becomes the `causation` position when the batch is recorded.
public struct PendingEvent: Sendable, Hashable {
    public var type: EventType
    /// The record the event is about; its kind is `type.subjectKind`.
    public var subject: EntityKey
    /// Transaction time: when HireLedger saw the change.
    public var observedAt: Timestamp
    /// Valid time: when it happened in Ashby, as best known.
    public var occurredAt: Timestamp
    /// True when `occurredAt` was inferred (from a record's `updatedAt` or the observation time)
    /// rather than read from a field that states when this very thing happened.
    public var occurredAtInferred: Bool
    /// True when the event was recovered after the fact (stage moves read from application history
    /// that happened between two polls, or a history backfill) rather than seen as a current change.
    public var backfilled: Bool
    /// The payload, shaped by the type's schema (`schemas/events/data/<type>.schema.json`).
    public var data: JSONValue
    public var causationIndex: Int?

    public init(type: EventType, subject: EntityKey, observedAt: Timestamp, occurredAt: Timestamp,
                occurredAtInferred: Bool, backfilled: Bool = false, data: JSONValue, causationIndex: Int? = nil) {
        self.type = type
        self.subject = subject
        self.observedAt = observedAt
        self.occurredAt = occurredAt
        self.occurredAtInferred = occurredAtInferred
        self.backfilled = backfilled
        self.data = data
        self.causationIndex = causationIndex
    }

    /// The recorded form at `seq`, its causation already resolved to a position.
    public func recorded(at seq: LogPosition, storeId: String, causation: LogPosition?) -> RecordedEvent {
        RecordedEvent(seq: seq, storeId: storeId, type: type, subject: subject, observedAt: observedAt,
                      occurredAt: occurredAt, occurredAtInferred: occurredAtInferred, backfilled: backfilled,
                      data: data, causation: causation)
    }
}

extension Array where Element == PendingEvent {
    /// Records a batch at consecutive positions starting at `first`: element `i` gets `first + i`, and
    /// a `causationIndex` `j` becomes position `first + j`. Precondition: every causation index is
    /// smaller than its event's own index (as `EventBatch` builds them).
    public func recorded(startingAt first: LogPosition, storeId: String) -> [RecordedEvent] {
        // By index, each event read in place: binding it (`enumerated().map`) copied it first.
        indices.map { i in
            let causation = self[i].causationIndex.map { j in
                precondition(j >= 0 && j < i, "causation index \(j) of event #\(i) must point to an earlier event of the batch")
                return first.advanced(by: UInt64(j))
            }
            return self[i].recorded(at: first.advanced(by: UInt64(i)), storeId: storeId, causation: causation)
        }
    }
}
