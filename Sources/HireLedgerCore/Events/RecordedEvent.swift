/// An event in the log, at its position.
///
/// `id` is `<storeId>:<seq>`: unique across stores (each store has its own random id) and stable,
/// since an event never moves. The storage form (`storageBytes`) leaves the store id out, as every
/// event of a store shares it; decoding takes it back from the caller.
public struct RecordedEvent: Sendable, Hashable {
    public var seq: LogPosition
    public var storeId: String
    public var type: EventType
    public var subject: EntityKey
    public var observedAt: Timestamp
    public var occurredAt: Timestamp
    public var occurredAtInferred: Bool
    public var backfilled: Bool
    public var data: JSONValue
    /// The record event this one was derived from (domain events only).
    public var causation: LogPosition?

    public init(seq: LogPosition, storeId: String, type: EventType, subject: EntityKey, observedAt: Timestamp,
                occurredAt: Timestamp, occurredAtInferred: Bool, backfilled: Bool, data: JSONValue,
                causation: LogPosition?) {
        self.seq = seq
        self.storeId = storeId
        self.type = type
        self.subject = subject
        self.observedAt = observedAt
        self.occurredAt = occurredAt
        self.occurredAtInferred = occurredAtInferred
        self.backfilled = backfilled
        self.data = data
        self.causation = causation
    }

    /// `<storeId>:<seq>`.
    public var id: String { RecordedEvent.eventID(storeId: storeId, seq: seq) }

    /// The id of the causing event, if any.
    public var causationID: String? { causation.map { RecordedEvent.eventID(storeId: storeId, seq: $0) } }

    public static func eventID(storeId: String, seq: LogPosition) -> String { "\(storeId):\(seq.value)" }
}

/// Why stored or received event bytes could not be read back.
public struct EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot decode event: \(message)" }
}
