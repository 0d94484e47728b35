/// One application done by a backfill, with running totals.
public struct BackfillProgress: Sendable, Hashable {
    public var applicationId: String
    /// Events appended for this application.
    public var events: Int
    /// Applications done and events appended in this run so far.
    public var applicationsDone: Int
    public var eventsTotal: Int
}
