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

/// A write to the `checkpoints` database made in the same transaction as the events it belongs to.
public struct CheckpointWrite: Sendable, Hashable {
    public var key: String
    /// The new value; nil removes the key.
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Stores (or with nil, removes) the `syncToken` of a list endpoint.
    public static func syncToken(_ token: String?, endpoint: String) -> CheckpointWrite {
        CheckpointWrite(key: StoreKeys.syncToken(endpoint), value: token.map { Array($0.utf8) })
    }
}

/// What one append wrote.
public struct AppendResult: Sendable, Hashable {
    /// The positions the events got, consecutive; empty when nothing was appended.
    public var positions: ClosedRange<LogPosition>?
    /// The observation time the events carry (the requested one, clamped to the log's last).
    public var observedAt: Timestamp?
    /// Number of record changes (record events) among the events.
    public var recordChanges: Int

    public var eventCount: Int { positions.map { Int($0.upperBound.value - $0.lowerBound.value) + 1 } ?? 0 }

    public static let empty = AppendResult(positions: nil, observedAt: nil, recordChanges: 0)
}
