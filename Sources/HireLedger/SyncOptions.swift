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
    /// Do a full pass of a type when its last full pass is at least this many days old (by the sync's
    /// clock), so deletions are found without asking; nil: only when forced or when Ashby refuses the
    /// token. Default 7.
    public var fullPassIntervalDays: Int?

    public init(forceFull: Bool = false, types: Set<AshbyEntityType> = Set(SyncPlan.order),
                pageSize: Int = AshbyEndpoint.maximumPageSize, historyForNewApplications: Bool = true,
                fullPassIntervalDays: Int? = 7) {
        self.fullPassIntervalDays = fullPassIntervalDays
        self.forceFull = forceFull
        self.types = types
        self.pageSize = pageSize
        self.historyForNewApplications = historyForNewApplications
    }
}
