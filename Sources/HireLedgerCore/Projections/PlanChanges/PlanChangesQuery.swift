/// The window of `PlanChangesProjection.changes`: changes with `since < t <= until` on `axis`.
///
/// `axis: .observed` ("what did we learn between two syncs") reads `observedAt`; `.occurred` ("what
/// happened in March, as known now") reads `occurredAt`, so a backfilled change shows up in the window
/// it happened in. `knownAt` further drops changes observed after it (either axis).
public struct PlanChangesQuery: Sendable, Hashable {
    public enum Axis: String, Sendable, Hashable, CaseIterable {
        case observed, occurred
    }

    public var axis: Axis
    public var since: Timestamp
    public var until: Timestamp?
    public var knownAt: Timestamp?
    /// Only these kinds; nil: all.
    public var kinds: Set<PlanChange.Kind>?

    public init(axis: Axis = .occurred, since: Timestamp, until: Timestamp? = nil, knownAt: Timestamp? = nil,
                kinds: Set<PlanChange.Kind>? = nil) {
        self.axis = axis
        self.since = since
        self.until = until
        self.knownAt = knownAt
        self.kinds = kinds
    }
}

/// The plan changes in a window (`schemas/views/changes.schema.json`).
public struct PlanChangesView: Sendable, Equatable {
    public var query: PlanChangesQuery
    public var items: [PlanChange]

    /// How many items of each kind (every kind present, zeros included), and how many slipped.
    public var summary: JSONValue {
        var o = JSONObject()
        for k in PlanChange.Kind.allCases { o[k.rawValue] = JSONValue(items.count { $0.kind == k }) }
        o["slipped"] = JSONValue(items.count(where: \.slipped))
        return .object(o)
    }

    public var json: JSONValue {
        ["axis": .string(query.axis.rawValue), "since": .string(query.since.iso8601),
         "until": query.until.map { .string($0.iso8601) } ?? .null,
         "knownAt": query.knownAt.map { .string($0.iso8601) } ?? .null,
         "items": .array(items.map(\.json)), "summary": summary]
    }
}
