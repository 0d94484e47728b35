import HireLedgerCore

/// What `SyncService.sync(_:)` did.
public struct SyncReport: Sendable {
    /// One run per synced type, in sync order.
    public var runs: [SyncRun]
    /// The first position this sync could have appended at, and the log's last position after it;
    /// `appendedEvents` is 0 when nothing changed.
    public var firstPosition: LogPosition
    public var lastPosition: LogPosition

    public var appendedEvents: Int { lastPosition >= firstPosition ? Int(lastPosition.value - firstPosition.value) + 1 : 0 }
}
