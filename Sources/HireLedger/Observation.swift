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
