/// The CloudEvents 1.0 JSON form (structured mode) HireLedger emits on feeds, webhooks and exports.
///
/// Context attributes: `specversion` "1.0", `id` (`<storeId>:<seq>`), `source` (given by the caller:
/// the ledger's URI), `type` (`ashby.<wire name>`), `subject` (`kind/id`), `time` (observedAt, ISO
/// 8601 UTC with milliseconds), `datacontenttype` "application/json", `dataschema` (the type's schema
/// URI) and `data`. Extension attributes, lowercase letters and digits only as the specification
/// requires: `seq` (integer), `occurredat` (ISO 8601 timestamp), `inferred` and `backfilled`
/// (booleans, always present) and `causationid` (the causing event's `id`; only on domain events).
/// Schema: `schemas/events/envelope.schema.json`.
extension RecordedEvent {
    /// The extension attribute names this form uses.
    public static let cloudEventExtensionAttributes = ["seq", "causationid", "occurredat", "inferred", "backfilled"]

    public func cloudEvent(source: String) -> JSONValue {
        var o: JSONObject = [
            "specversion": "1.0",
            "id": .string(id),
            "source": .string(source),
            "type": .string(type.cloudEventType),
            "subject": .string(subject.wireForm),
            "time": .string(observedAt.iso8601),
            "datacontenttype": "application/json",
            "dataschema": .string(type.dataSchemaURI),
            "data": data,
            "seq": JSONValue(seq.value),
            "occurredat": .string(occurredAt.iso8601),
            "inferred": .bool(occurredAtInferred),
            "backfilled": .bool(backfilled),
        ]
        if let c = causationID { o["causationid"] = .string(c) }
        return .object(o)
    }

    /// Reads back `cloudEvent(source:)` output. The store id is taken from `id` (before its last `:`),
    /// which must agree with `seq`.
    public init(cloudEvent ce: JSONValue) throws(EventDecodingError) {
        func string(_ name: String) throws(EventDecodingError) -> String {
            guard let s = ce.string(name) else { throw EventDecodingError("CloudEvent attribute \"\(name)\" is missing or not a string") }
            return s
        }
        func time(_ name: String) throws(EventDecodingError) -> Timestamp {
            let s = try string(name)
            guard let t = Timestamp(iso8601: s) else { throw EventDecodingError("CloudEvent attribute \"\(name)\" is not an ISO 8601 timestamp: \(s)") }
            return t
        }
        func bool(_ name: String) throws(EventDecodingError) -> Bool {
            guard let b = ce[name]?.boolValue else { throw EventDecodingError("CloudEvent attribute \"\(name)\" is missing or not a boolean") }
            return b
        }
        guard try string("specversion") == "1.0" else { throw EventDecodingError("only CloudEvents specversion 1.0 is supported") }
        let id = try string("id")
        guard let colon = id.lastIndex(of: ":"), let idSeq = UInt64(id[id.index(after: colon)...]) else {
            throw EventDecodingError("id \"\(id)\" is not of the form <storeId>:<seq>")
        }
        let storeId = String(id[..<colon])
        guard let seqText = ce["seq"]?.numberValue?.text, let seq = UInt64(seqText), seq == idSeq else {
            throw EventDecodingError("attribute \"seq\" is missing, not an unsigned integer, or disagrees with id \"\(id)\"")
        }
        let typeText = try string("type")
        guard typeText.hasPrefix(EventType.cloudEventTypePrefix),
              let type = EventType(wireName: String(typeText.dropFirst(EventType.cloudEventTypePrefix.count)))
        else { throw EventDecodingError("unknown event type \"\(typeText)\"") }
        let subjectText = try string("subject")
        guard let subject = EntityKey(wireForm: subjectText) else { throw EventDecodingError("subject \"\(subjectText)\" is not kind/id") }
        var causation: LogPosition?
        if let c = ce.string("causationid") {
            guard c.hasPrefix(storeId + ":"), let cs = UInt64(c.dropFirst(storeId.count + 1)) else {
                throw EventDecodingError("causationid \"\(c)\" is not an event id of store \(storeId)")
            }
            causation = LogPosition(cs)
        }
        guard let data = ce["data"] else { throw EventDecodingError("attribute \"data\" is missing") }
        self.init(seq: LogPosition(seq), storeId: storeId, type: type, subject: subject,
                  observedAt: try time("time"), occurredAt: try time("occurredat"),
                  occurredAtInferred: try bool("inferred"), backfilled: try bool("backfilled"),
                  data: data, causation: causation)
    }
}
