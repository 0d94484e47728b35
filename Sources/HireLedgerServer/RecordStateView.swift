import HireLedger
import HireLedgerCore

/// The body of `GET /v1/state/{kind}/{id}`: the same shape as `hireledger state KIND ID --format json`
/// (`schemas/views/state.schema.json`), built from `RecordHistory` as the CLI builds it.
public enum RecordStateView {
    /// The record as it was at (`asOf`, `knownAt`) with the events about it known then.
    /// - Precondition: `history.events` is not empty (the caller answers 404 otherwise).
    public static func json(_ history: RecordHistory, asOf: Timestamp?, knownAt: Timestamp?) -> JSONValue {
        let version = history.version(asOf: asOf, knownAt: knownAt)
        let known = history.events.filter { e in knownAt.map { e.observedAt <= $0 } ?? true }
        let status: String = version.map { $0.deleted ? "deleted" : "live" } ?? "not_yet"
        return ["kind": .string(history.key.kind.wireName), "id": .string(history.key.id),
                "asOf": asOf.map { .string($0.iso8601) } ?? .null, "knownAt": knownAt.map { .string($0.iso8601) } ?? .null,
                "status": .string(status), "record": version?.record ?? .null,
                "version": version.map { eventJSON($0.event) } ?? .null,
                "history": .array(known.map(eventJSON))]
    }

    static func eventJSON(_ e: RecordedEvent) -> JSONValue {
        ["seq": JSONValue(e.seq.value), "id": .string(e.id), "type": .string(e.type.wireName),
         "occurredAt": .string(e.occurredAt.iso8601), "observedAt": .string(e.observedAt.iso8601),
         "occurredAtInferred": .bool(e.occurredAtInferred), "backfilled": .bool(e.backfilled)]
    }
}
