import HireLedger
import HireLedgerCore

/// One record as the log says it was at a point on the two time axes (`GET /v1/state/{kind}/{id}`).
///
/// Folds the record events of one entity in log order (`created`/`restored` carry the record,
/// `updated` an RFC 6902 patch from the previous version, `deleted` a tombstone), keeping only events
/// observed at or before `knownAt`. Then, with `asOf`, it picks the version that came into being
/// (`occurredAt`, ties by position) last at or before `asOf`; without, the last version folded.
public enum EntityStateFold {
    /// A version of the record: the state after one record event.
    public struct Version: Sendable, Equatable {
        public var seq: LogPosition
        public var type: EventType
        public var observedAt: Timestamp
        public var occurredAt: Timestamp
        public var occurredAtInferred: Bool
        /// The record after this event; nil when this event deleted it.
        public var record: JSONValue?
    }

    /// The version chosen for `(asOf, knownAt)` and how many versions were considered; nil version
    /// when the record did not exist yet at that point.
    public static func state(of entity: EntityKey, events: [RecordedEvent], asOf: Timestamp?, knownAt: Timestamp?)
        throws(StateFoldError) -> (version: Version?, versions: Int)
    {
        var versions: [Version] = []
        var current: JSONValue?
        for e in events {
            guard case .record(_, let action) = e.type else { continue }
            if let knownAt, e.observedAt > knownAt { break }
            switch action {
            case .created, .restored:
                guard let r = e.data["record"] else { throw StateFoldError("event \(e.seq) (\(e.type)) of \(entity) carries no record") }
                current = r
            case .updated:
                guard let base = current else { throw StateFoldError("event \(e.seq) updates \(entity), which the log has not created") }
                do {
                    let ops = try JSONPatch.operations(fromJSON: e.data["patch"] ?? .null)
                    current = try JSONPatch.apply(ops, to: base)
                } catch {
                    throw StateFoldError("event \(e.seq) of \(entity) has a patch that does not apply: \(error)")
                }
            case .deleted:
                current = nil
            }
            versions.append(Version(seq: e.seq, type: e.type, observedAt: e.observedAt, occurredAt: e.occurredAt,
                                    occurredAtInferred: e.occurredAtInferred, record: current))
        }
        guard let asOf else { return (versions.last, versions.count) }
        let chosen = versions.filter { $0.occurredAt <= asOf }.max { ($0.occurredAt, $0.seq) < ($1.occurredAt, $1.seq) }
        return (chosen, versions.count)
    }

    /// The response body (`schemas/api/openapi.json#/components/schemas/EntityState`).
    public static func json(entity: EntityKey, asOf: Timestamp?, knownAt: Timestamp?, version: Version?, versions: Int) -> JSONValue {
        var o: JSONObject = [
            "subject": .string(entity.wireForm),
            "asOf": asOf.map { .string($0.iso8601) } ?? .null,
            "knownAt": knownAt.map { .string($0.iso8601) } ?? .null,
            "exists": .bool(version?.record != nil),
            "deleted": .bool(version != nil && version?.record == nil),
            "record": version?.record ?? .null,
            "versions": JSONValue(versions),
        ]
        if let v = version {
            o["version"] = ["seq": JSONValue(v.seq.value), "type": .string(v.type.wireName), "observedAt": .string(v.observedAt.iso8601),
                            "occurredAt": .string(v.occurredAt.iso8601), "inferred": .bool(v.occurredAtInferred)]
        } else {
            o["version"] = .null
        }
        return .object(o)
    }
}
