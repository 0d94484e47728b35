import HireLedgerCore

/// The record of one completed sync pass of one entity type, kept in `checkpoints` (`run/<type>`) and
/// shown by `hireledger status`. Written in the same transaction as the pass's last page.
public struct SyncRun: Sendable, Hashable {
    /// How a pass walked its endpoint.
    public enum Mode: String, Sendable, Hashable {
        /// Every record; absent records become tombstones.
        case full
        /// Only what changed since the stored `syncToken`.
        case incremental
    }

    /// `AshbyEntityType.rawValue`, e.g. `applications`.
    public var entityType: String
    public var mode: Mode
    /// Wall-clock (injected clock) times of the pass's start and end.
    public var startedAt: Timestamp
    public var finishedAt: Timestamp
    public var pages: Int
    public var records: Int
    /// Events appended by the pass (record and domain events).
    public var events: Int
    /// Tombstones written after the full pass (0 for incremental passes).
    public var tombstones: Int
    /// Why the pass was a full one (requested, first pass, deletion check, or a refused token or cursor);
    /// nil for incremental passes and runs recorded before this was kept.
    public var fullPassReason: String?

    public init(entityType: String, mode: Mode, startedAt: Timestamp, finishedAt: Timestamp, pages: Int,
                records: Int, events: Int, tombstones: Int = 0, fullPassReason: String? = nil) {
        self.fullPassReason = fullPassReason
        self.entityType = entityType
        self.mode = mode
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.pages = pages
        self.records = records
        self.events = events
        self.tombstones = tombstones
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "entityType": .string(entityType), "mode": .string(mode.rawValue), "startedAt": .string(startedAt.iso8601),
            "finishedAt": .string(finishedAt.iso8601), "pages": .number(JSONNumber(pages)),
            "records": .number(JSONNumber(records)), "events": .number(JSONNumber(events)),
            "tombstones": .number(JSONNumber(tombstones))]
        if let fullPassReason { object["fullPassReason"] = .string(fullPassReason) }
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard let type = json.string("entityType"), let mode = json.string("mode").flatMap(Mode.init(rawValue:)),
              let started = json.string("startedAt").flatMap(Timestamp.init(iso8601:)),
              let finished = json.string("finishedAt").flatMap(Timestamp.init(iso8601:)),
              let pages = json["pages"]?.intValue, let records = json["records"]?.intValue,
              let events = json["events"]?.intValue
        else { return nil }
        self.init(entityType: type, mode: mode, startedAt: started, finishedAt: finished, pages: pages,
                  records: records, events: events, tombstones: json["tombstones"]?.intValue ?? 0,
                  fullPassReason: json.string("fullPassReason"))
    }

    /// The checkpoint write that stores this run.
    public var checkpointWrite: CheckpointWrite {
        CheckpointWrite(key: StoreKeys.syncRun(entityType), value: json.canonicalBytes())
    }

    /// The checkpoints a finished run writes: the last run, and for a full pass also the last full run.
    public var checkpointWrites: [CheckpointWrite] {
        var writes = [checkpointWrite]
        if mode == .full { writes.append(CheckpointWrite(key: StoreKeys.fullSyncRun(entityType), value: json.canonicalBytes())) }
        return writes
    }
}
