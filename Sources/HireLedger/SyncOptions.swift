import AshbyAPI

/// How `SyncService.sync` runs.
public struct SyncOptions: Sendable {
    /// Full passes for every type, ignoring stored sync tokens (`hireledger sync --full`). Only full
    /// passes find deletions.
    public var forceFull: Bool
    /// The types to sync, run in `SyncPlan.order` whatever order they are given in.
    public var types: Set<AshbyEntityType>
    /// `limit` per list page (Ashby's maximum is 100).
    public var pageSize: Int
    /// Read `application.listHistory` for applications that first appear after the first completed
    /// pass of applications, so moves they made before the next poll are recorded with their real
    /// times. (On the first pass, history is left to `HistoryBackfill`: one request per application.)
    public var historyForNewApplications: Bool

    public init(forceFull: Bool = false, types: Set<AshbyEntityType> = Set(SyncPlan.order),
                pageSize: Int = AshbyEndpoint.maximumPageSize, historyForNewApplications: Bool = true) {
        self.forceFull = forceFull
        self.types = types
        self.pageSize = pageSize
        self.historyForNewApplications = historyForNewApplications
    }
}
