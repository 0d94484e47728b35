import HireLedgerCore

/// One event (or batch) whose delivery failed at least once, as listed by
/// `SubscriptionStore.failedDeliveries`.
public struct FailedDelivery: Sendable, Hashable {
    /// What became of it.
    public enum Resolution: Sendable, Hashable {
        /// Still being retried; the next attempt is at `nextAttemptAt`.
        case retrying
        /// A later attempt got a 2xx at this time.
        case delivered(at: Timestamp)
        /// The subscription was disabled while this was pending (410, sustained failure, operator).
        case abandoned(reason: String)
        /// A replay moved the cursor before it was delivered; it will be sent again with the replay.
        case supersededByReplay
    }

    public var subscriptionId: String
    /// The (first) event's position and id.
    public var position: LogPosition
    public var eventId: String
    public var attempts: Int
    public var firstFailureAt: Timestamp
    public var lastAttemptAt: Timestamp
    public var lastStatus: Int?
    public var lastError: String
    public var nextAttemptAt: Timestamp?
    public var resolution: Resolution

    public var json: JSONValue {
        var o: JSONObject = [
            "subscriptionId": .string(subscriptionId), "seq": JSONValue(position.value), "eventId": .string(eventId),
            "attempts": JSONValue(attempts), "firstFailureAt": .string(firstFailureAt.iso8601),
            "lastAttemptAt": .string(lastAttemptAt.iso8601), "lastError": .string(lastError),
            "lastStatus": lastStatus.map { JSONValue($0) } ?? .null,
            "nextAttemptAt": nextAttemptAt.map { .string($0.iso8601) } ?? .null,
        ]
        switch resolution {
        case .retrying: o["resolution"] = "retrying"
        case .delivered(let at): o["resolution"] = "delivered"; o["deliveredAt"] = .string(at.iso8601)
        case .abandoned(let reason): o["resolution"] = "abandoned"; o["reason"] = .string(reason)
        case .supersededByReplay: o["resolution"] = "superseded_by_replay"
        }
        return .object(o)
    }

    /// Reads the stored form (the same JSON).
    init?(json j: JSONValue) {
        guard let sub = j.string("subscriptionId"), let seq = j["seq"]?.int64Value, seq >= 0, let eventId = j.string("eventId"),
              let attempts = j["attempts"]?.intValue, let first = j.string("firstFailureAt").flatMap(Timestamp.init(iso8601:)),
              let last = j.string("lastAttemptAt").flatMap(Timestamp.init(iso8601:)), let error = j.string("lastError"),
              let res = j.string("resolution") else { return nil }
        subscriptionId = sub
        position = LogPosition(UInt64(seq))
        self.eventId = eventId
        self.attempts = attempts
        firstFailureAt = first
        lastAttemptAt = last
        lastStatus = j["lastStatus"]?.intValue
        lastError = error
        nextAttemptAt = j.string("nextAttemptAt").flatMap(Timestamp.init(iso8601:))
        switch res {
        case "delivered": resolution = .delivered(at: j.string("deliveredAt").flatMap(Timestamp.init(iso8601:)) ?? last)
        case "abandoned": resolution = .abandoned(reason: j.string("reason") ?? "")
        case "superseded_by_replay": resolution = .supersededByReplay
        default: resolution = .retrying
        }
    }

    init(subscriptionId: String, eventId: String, state: DeliveryRetryState, resolution: Resolution) {
        self.subscriptionId = subscriptionId
        position = state.position
        self.eventId = eventId
        attempts = state.attempts
        firstFailureAt = state.firstFailureAt
        lastAttemptAt = state.lastAttemptAt
        lastStatus = state.lastStatus
        lastError = state.lastError
        nextAttemptAt = resolution == .retrying ? state.nextAttemptAt : nil
        self.resolution = resolution
    }
}
