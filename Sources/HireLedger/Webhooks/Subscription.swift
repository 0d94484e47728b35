import HireLedgerCore

/// A webhook subscription as callers see it: never with its secrets.
public struct Subscription: Sendable, Hashable {
    /// `sub_` followed by 24 hex digits.
    public var id: String
    /// The endpoint (http or https), as registered: it may hold credentials. Show `maskedURL`.
    public var url: String
    /// `url` with user info and query values masked (what the API, the CLI and logs show).
    public var maskedURL: String { WebhookURL.masked(url) }
    /// Event type globs (`application.*`, `*.deleted`); empty means every type.
    public var types: [String]
    public var status: SubscriptionStatus
    /// The last position delivered (or skipped as not matching `types`); delivery goes on after it.
    public var cursor: LogPosition
    public var createdAt: Timestamp
    /// How many signing secrets are in use now: 2 during a rotation overlap, else 1.
    public var secretCount: Int
    /// Events per request: 1 sends one CloudEvent per request; more sends a JSON array of up to this
    /// many (`application/cloudevents-batch+json`).
    public var batchSize: Int
    /// The retry state of the event at the head, while it keeps failing.
    public var retry: DeliveryRetryState?

    public var isActive: Bool { if case .active = status { true } else { false } }

    /// The public JSON form: no secrets, the URL masked (ids, URL, types, status, cursor, secretCount, batchSize, retry).
    public var json: JSONValue {
        var o: JSONObject = [
            "id": .string(id), "url": .string(maskedURL), "types": .array(types.map { .string($0) }),
            "cursor": JSONValue(cursor.value), "createdAt": .string(createdAt.iso8601),
            "secretCount": JSONValue(secretCount), "batchSize": JSONValue(batchSize),
        ]
        switch status {
        case .active:
            o["status"] = "active"
        case .disabled(let reason, let at):
            o["status"] = "disabled"
            o["disabledReason"] = .string(reason)
            o["disabledAt"] = .string(at.iso8601)
        }
        if let r = retry {
            o["retry"] = ["seq": JSONValue(r.position.value), "attempts": JSONValue(r.attempts),
                          "firstFailureAt": .string(r.firstFailureAt.iso8601), "lastError": .string(r.lastError),
                          "nextAttemptAt": .string(r.nextAttemptAt.iso8601)]
        }
        return .object(o)
    }
}

/// Whether a subscription receives deliveries.
public enum SubscriptionStatus: Sendable, Hashable {
    case active
    /// Deliveries stopped: by the operator, on 410 Gone, or after sustained failure.
    case disabled(reason: String, at: Timestamp)
}

/// Where a new subscription starts.
public enum StartPosition: Sendable, Hashable {
    /// Every event in the log, from the first.
    case beginning
    /// Only events appended after the subscription is created.
    case now
    /// From the event at this position on (inclusive): the cursor is set just before it.
    case position(LogPosition)
}

/// Where a replay starts; everything from there to the end of the log is sent again, in order.
public enum ReplayStart: Sendable, Hashable {
    /// From the event at this position on (inclusive).
    case position(LogPosition)
    /// From the first event observed at or after this time.
    case time(Timestamp)
}
