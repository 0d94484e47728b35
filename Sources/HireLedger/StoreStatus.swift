import HireLedgerCore

/// A summary of a store for `hireledger status`: identity, positions, counts and sizes.
public struct StoreStatus: Sendable {
    /// The store directory (canonical path).
    public var path: String
    public var storeId: String
    public var formatVersion: UInt64
    public var createdAt: Timestamp
    /// The last position in the log (`LogPosition.none` when empty).
    public var lastPosition: LogPosition
    /// `observedAt` of the last event, if any.
    public var lastObservedAt: Timestamp?
    /// Number of events in the log.
    public var eventCount: Int
    /// Per entity kind: live records and tombstoned ones in the state index.
    public var records: [EntityKind: (live: Int, deleted: Int)]
    /// The last completed sync pass per entity type (`AshbyEntityType.rawValue`).
    public var lastSyncs: [String: SyncRun]
    /// Entity types holding a stored `syncToken` (keyed by list endpoint method).
    public var syncTokens: Set<String>
    /// Bytes of the data file in use, and the current map size.
    public var usedBytes: Int
    public var mapSize: Int
    /// Bytes of the log database's pages (leaf, branch and overflow).
    public var logBytes: Int
    /// The history backfill's position: the last application done, or nil; and whether it finished.
    public var backfillCursor: EntityKey?
    public var backfillCompleted: Bool
}
