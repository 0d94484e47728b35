import AshbyAPI

/// One recorded page.
public struct SyncPageProgress: Sendable, Hashable {
    public var entityType: AshbyEntityType
    public var mode: SyncRun.Mode
    /// 1-based page number within the pass.
    public var page: Int
    /// Records on this page, and in the pass so far.
    public var records: Int
    public var recordsInPass: Int
    /// Events this page appended (0 when nothing changed: then no write transaction was opened).
    public var events: Int
    /// Application histories fetched for this page.
    public var historiesFetched: Int
}
