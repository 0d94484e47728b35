extension RecordChange {
    /// The record event for this change of `subject`, or nil for an `updated` whose records are equal.
    ///
    /// Data by action (schemas `record.<kind>.<action>`):
    /// - created, restored: `{record}`.
    /// - updated: `{patch, changes}`: the RFC 6902 patch from the stored record to the new one, and
    ///   for each changed top-level member `{before, after}` (a side is left out when the member was
    ///   absent there). The new record itself is not repeated: the state index holds it and the patch
    ///   rebuilds it from the previous version.
    /// - deleted: `{reason, mergedInto?, lastKnown?}`.
    ///
    /// `occurredAt` is the record's own `updatedAt` when it has one that moved (for `created` and
    /// `restored`, any `updatedAt`): that is when this version came into being, so not inferred.
    /// Otherwise (no `updatedAt`, an unchanged one, a deletion) it is `observedAt`, flagged inferred.
    public func recordEvent(subject: EntityKey, observedAt: Timestamp) -> PendingEvent? {
        let data: JSONValue
        var occurred: Timestamp?
        switch self {
        case .created(let record), .restored(_, let record):
            data = ["record": record]
            occurred = record.string("updatedAt").flatMap(Timestamp.init(iso8601:))
        case .updated(let before, let after):
            let patch = JSONPatch.diff(from: before, to: after)
            if patch.isEmpty { return nil }
            data = ["patch": JSONPatch.json(patch), "changes": .object(RecordChange.topLevelChanges(before, after))]
            if let t = after.string("updatedAt"), t != before.string("updatedAt") {
                occurred = Timestamp(iso8601: t)
            }
        case .deleted(let lastKnown, let reason):
            var o: JSONObject = ["reason": .string(reason.wireName)]
            if case .merged(let into?) = reason { o["mergedInto"] = .string(into) }
            if let lastKnown { o["lastKnown"] = lastKnown }
            data = .object(o)
        }
        return PendingEvent(type: .record(subject.kind, action), subject: subject, observedAt: observedAt,
                            occurredAt: occurred ?? observedAt, occurredAtInferred: occurred == nil, data: data)
    }

    /// `{member: {before?, after?}}` for every top-level member that differs; non-objects count as one
    /// member named "" (a record is always an object, so that only guards odd input).
    static func topLevelChanges(_ before: JSONValue, _ after: JSONValue) -> JSONObject {
        guard case .object(let b) = before, case .object(let a) = after else {
            return ["": ["before": before, "after": after]]
        }
        var out = JSONObject()
        for key in Set(b.keys).union(a.keys) where b[key] != a[key] {
            var change = JSONObject()
            if let v = b[key] { change["before"] = v }
            if let v = a[key] { change["after"] = v }
            out[key] = .object(change)
        }
        return out
    }
}
