/// The bitemporal current state of every record of one kind, as compact facts: the fold of its
/// record events (`created`, `updated` via the `changes` member, `deleted`, `restored`) into one
/// `Timeline` per record.
///
/// An `updated` event only adds a version when a member the facts read changed, so timelines stay as
/// short as the facts' own history. An `updated` for a record never seen created (a log that starts
/// mid-history) cannot be read and is ignored.
public struct EntityTimelines<Facts: CompactFacts>: Sendable, Equatable {
    public private(set) var byId: [String: Timeline<Facts>]

    public init() { byId = [:] }

    /// Folds a record event of `Facts.kind`; ignores every other event.
    ///
    /// `id` is hashed once per event: the timeline is found by `index(forKey:)` and changed in place
    /// through `values`, or built aside and inserted once. The fold used to look it up three to five
    /// times per event (`byId[id]?.current`, `byId[id, default:]` per version); perf of `bench views`
    /// had string hashing and the equality checks of dictionary lookups at ~3% of a rebuild.
    public mutating func apply(_ event: RecordedEvent) {
        guard case .record(let kind, let action) = event.type, kind == Facts.kind else { return }
        let id = event.subject.id
        switch action {
        case .created, .restored:
            guard let record = event.data["record"], record.objectValue != nil else { return }
            let facts = Facts(record: record)
            guard let i = byId.index(forKey: id) else {
                var timeline = Timeline<Facts>()
                for (valid, f) in Facts.firstSighting(facts, record: record, eventTime: event.occurredAt) {
                    timeline.append(valid: valid, known: event.observedAt, seq: event.seq, facts: f)
                }
                if !timeline.versions.isEmpty { byId[id] = timeline }
                return
            }
            let previous = byId.values[i].current
            if previous == nil, byId.values[i].versions.isEmpty {
                for (valid, f) in Facts.firstSighting(facts, record: record, eventTime: event.occurredAt) {
                    byId.values[i].append(valid: valid, known: event.observedAt, seq: event.seq, facts: f)
                }
            } else {
                byId.values[i].append(valid: facts.validFrom(previous: previous, eventTime: event.occurredAt),
                                      known: event.observedAt, seq: event.seq, facts: facts)
            }
        case .updated:
            guard case .object(let changes)? = event.data["changes"],
                  let i = byId.index(forKey: id), let previous = byId.values[i].current else { return }
            var facts = previous
            var relevant = false
            for member in changes where Facts.members.contains(member.key) {
                relevant = true
                facts.update(member: member.key, to: member.value["after"])
            }
            guard relevant, facts != previous else { return }
            byId.values[i].append(valid: facts.validFrom(previous: previous, eventTime: event.occurredAt),
                                  known: event.observedAt, seq: event.seq, facts: facts)
        case .deleted:
            guard let i = byId.index(forKey: id), byId.values[i].current != nil else { return }
            byId.values[i].append(valid: event.occurredAt, known: event.observedAt, seq: event.seq, facts: nil)
        }
    }

    /// The facts of record `id` at `point`; nil when unknown, not yet valid or deleted.
    public func facts(_ id: String, at point: BitemporalPoint) -> Facts? { byId[id]?.facts(at: point) }

    /// The latest facts of record `id` by log order.
    public func current(_ id: String) -> Facts? { byId[id]?.current }

    public var count: Int { byId.count }

    /// `{id: [[valid, known, seq, facts|null], ...]}`.
    public var json: JSONValue {
        .object(StateCoding.object(uniqueKeys: byId.map { id, timeline in
            (id, JSONValue.array(timeline.versions.map { v in
                [StateCoding.ts(v.valid), StateCoding.ts(v.known), JSONValue(v.seq.value), v.facts?.json ?? .null]
            }))
        }))
    }

    /// Writes exactly `json.canonicalBytes()` without building the tree (see `StateWriter`).
    func writeCanonical(_ w: inout JSONWriter) {
        StateWriter.object(&w, byId) { w, timeline in
            w.append(UInt8(ascii: "["))
            // Indexing the buffer borrows each version; `for v in versions` retained its strings.
            timeline.versions.withUnsafeBufferPointer { versions in
            for i in versions.indices {
                let v = versions[i]
                w.append(i == 0 ? "[" : ",[")
                w.writeTimestamp(v.valid)
                w.append(UInt8(ascii: ","))
                w.writeTimestamp(v.known)
                w.append(UInt8(ascii: ","))
                w.writeUInt(v.seq.value)
                w.append(UInt8(ascii: ","))
                if let facts = v.facts {
                    // Applications are most of a large state; the other kinds number in thousands.
                    if let a = facts as? ApplicationFacts { a.writeCanonical(&w) } else { w.write(facts.json) }
                } else {
                    w.append("null")
                }
                w.append(UInt8(ascii: "]"))
            }
            }
            w.append(UInt8(ascii: "]"))
        }
    }

    public init(json: JSONValue) throws(ProjectionStateError) {
        let o = try StateCoding.object(json, "\(Facts.kind) timelines")
        var byId: [String: Timeline<Facts>] = [:]
        byId.reserveCapacity(o.count)
        for member in o {
            var versions: [Timeline<Facts>.Version] = []
            for v in try StateCoding.array(member.value, "\(Facts.kind)/\(member.key) timeline") {
                let a = try StateCoding.array(v, "\(Facts.kind)/\(member.key) version")
                guard a.count == 4 else { throw ProjectionStateError("\(Facts.kind)/\(member.key) version has \(a.count) members, not 4") }
                let facts: Facts? = a[3].isNull ? nil : try Facts(json: a[3])
                versions.append(.init(valid: try StateCoding.timestamp(a[0], "valid"), known: try StateCoding.timestamp(a[1], "known"),
                                      seq: LogPosition(UInt64(try StateCoding.int64(a[2], "seq"))), facts: facts))
            }
            byId[member.key] = Timeline(versions: versions)
        }
        self.byId = byId
    }
}
