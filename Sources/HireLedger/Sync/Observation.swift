import HireLedgerCore

/// What a sync saw of one record, for `LedgerStore.record(_:...)`, which compares it with the state
/// index inside its write transaction and turns it into a record change (or nothing).
public enum Observation: Sendable, Hashable {
    /// The record as listed by Ashby, already normalised. Becomes `created`, `updated`, `restored` or
    /// nothing (same hash as the stored record).
    case seen(EntityKey, NormalizedRecord)
    /// The record is gone. Becomes a tombstone (`record.<kind>.deleted` with `reason`) when the store
    /// holds a live record for the key, nothing otherwise.
    case absent(EntityKey, DeletionReason)

    public var key: EntityKey {
        switch self {
        case .seen(let k, _), .absent(let k, _): k
        }
    }
}

/// How an observed record compares with the state index (`LedgerStore.compare`).
public enum ObservedDifference: Sendable, Hashable {
    /// Same content hash as the stored live record: nothing to record.
    case unchanged
    /// No row for the key.
    case new
    /// A live row with another hash; `previous` is the stored record.
    case changed(previous: JSONValue)
    /// A tombstoned row; `previous` is the last known record.
    case restored(previous: JSONValue)

    public var isChange: Bool { self != .unchanged }
}
