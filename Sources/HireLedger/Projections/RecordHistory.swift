import HireLedgerCore

/// One record's versions as the log tells them: the record after each of its record events
/// (`created`/`restored` carry the record, `updated` a JSON Patch from the previous version, `deleted`
/// a tombstone keeping the last known record), plus every event about it. Answers "the record as it
/// was" on either time axis (`hireledger state`).
public struct RecordHistory: Sendable, Hashable {
    /// The record after one record event.
    public struct Version: Sendable, Hashable {
        /// The record event that made this version.
        public var event: RecordedEvent
        /// The record (for a deletion: the last known record, if any).
        public var record: JSONValue?
        /// True after a `deleted` event (until a `restored`).
        public var deleted: Bool
    }

    public let key: EntityKey
    /// One entry per record event, in log order.
    public let versions: [Version]
    /// Every event about the record (record and domain events), in log order.
    public let events: [RecordedEvent]

    /// Builds the history from the events about `key` (in log order).
    ///
    /// - Throws: `RecordHistoryError` when an `updated` event's patch does not apply to the version
    ///   before it (a damaged log).
    public init(key: EntityKey, events: [RecordedEvent]) throws(RecordHistoryError) {
        self.key = key
        self.events = events
        var versions: [Version] = []
        var current: JSONValue?
        for e in events {
            guard case .record(_, let action) = e.type else { continue }
            switch action {
            case .created, .restored:
                current = e.data["record"]
                versions.append(Version(event: e, record: current, deleted: false))
            case .updated:
                guard let before = current, let patchJSON = e.data["patch"] else {
                    throw RecordHistoryError("event \(e.seq) updates \(key) but no earlier version is known")
                }
                do {
                    current = try JSONPatch.apply(try JSONPatch.operations(fromJSON: patchJSON), to: before)
                } catch {
                    throw RecordHistoryError("the patch of event \(e.seq) does not apply to \(key): \(error)")
                }
                versions.append(Version(event: e, record: current, deleted: false))
            case .deleted:
                if current == nil { current = e.data["lastKnown"] }
                versions.append(Version(event: e, record: current, deleted: true))
            }
        }
        self.versions = versions
    }

    /// Reads the events of `key` from `store` (through the `by_entity` index).
    public init(store: LedgerStore, key: EntityKey) throws {
        try self.init(key: key, events: try store.events(for: key))
    }

    /// The version in effect at `asOf` (the record event with the latest `occurredAt` ≤ `asOf`, ties
    /// by position), among the events observed at or before `knownAt`; nil bounds mean "now". Nil when
    /// the record did not exist yet on those terms.
    public func version(asOf: Timestamp? = nil, knownAt: Timestamp? = nil) -> Version? {
        var best: Version?
        for v in versions {
            if let knownAt, v.event.observedAt > knownAt { break }
            if let asOf {
                guard v.event.occurredAt <= asOf else { continue }
                if let b = best, b.event.occurredAt > v.event.occurredAt { continue }
            }
            best = v
        }
        return best
    }
}

/// A record's events do not fold into versions.
public struct RecordHistoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot rebuild the record's history: \(message); the log may be damaged (run 'hireledger status')" }
}
