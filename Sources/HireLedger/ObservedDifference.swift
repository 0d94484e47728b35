import HireLedgerCore

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
