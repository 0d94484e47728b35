import AshbyAPI

/// What `SyncService` reports while it runs, for a progress display (the library prints nothing).
public enum SyncProgress: Sendable {
    /// A pass of one entity type begins.
    case passStarted(entityType: AshbyEntityType, mode: SyncRun.Mode)
    /// Ashby refused the stored sync token (`reason` says why); the token was dropped and a full pass
    /// of the type follows.
    case fellBackToFull(entityType: AshbyEntityType, reason: String)
    /// One page was fetched and recorded.
    case page(SyncPageProgress)
    /// A pass finished (after its tombstones, for a full pass).
    case passFinished(SyncRun)
}

/// Receives `SyncProgress`; called on the syncing task, so it must be quick and must not block.
public typealias SyncObserver = @Sendable (SyncProgress) -> Void
