/// What a backfill run did.
public struct BackfillReport: Sendable, Hashable {
    /// Applications whose history was read in this run.
    public var applications = 0
    /// Events appended.
    public var events = 0
    /// True when every application is done (now or in an earlier run).
    public var completed = false
}
