/// One observed change of one record, as the sync service determines it by comparing a normalised
/// record from Ashby with the state index. All records here are already normalised
/// (`RecordNormalizer`).
public enum RecordChange: Sendable, Hashable {
    /// First seen.
    case created(JSONValue)
    /// Seen with a different hash. `before` is the stored record.
    case updated(before: JSONValue, after: JSONValue)
    /// Gone. `lastKnown` is the stored record, when the store still has it.
    case deleted(lastKnown: JSONValue?, reason: DeletionReason)
    /// Seen again after a deletion. `previous` is the last known record before the deletion, if kept.
    case restored(previous: JSONValue?, record: JSONValue)

    public var action: RecordAction {
        switch self {
        case .created: .created
        case .updated: .updated
        case .deleted: .deleted
        case .restored: .restored
        }
    }

    /// The record before the change (for a restore: the last known one).
    public var before: JSONValue? {
        switch self {
        case .created: nil
        case .updated(let b, _): b
        case .deleted(let l, _): l
        case .restored(let p, _): p
        }
    }

    /// The record after the change; nil for a deletion.
    public var after: JSONValue? {
        switch self {
        case .created(let r), .updated(_, let r), .restored(_, let r): r
        case .deleted: nil
        }
    }
}

/// Why a record is considered deleted.
public enum DeletionReason: Sendable, Hashable {
    /// Missing from a complete full pass of its endpoint (docs/ARCHITECTURE.md §5: never from a partial one).
    case absentFromFullSync
    /// Merged into another record (Ashby's `candidateMerge` webhook), when the survivor is known.
    case merged(into: String?)
    /// Ashby said it was deleted (e.g. the `candidateDelete` or `offerDelete` webhook).
    case deletedInSource

    /// `absent_from_full_sync`, `merged` or `deleted_in_source`.
    public var wireName: String {
        switch self {
        case .absentFromFullSync: "absent_from_full_sync"
        case .merged: "merged"
        case .deletedInSource: "deleted_in_source"
        }
    }
}
