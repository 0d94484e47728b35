/// Why a backfill stopped; everything recorded before is kept and the next run resumes after the last
/// application recorded.
public struct BackfillError: Error, Sendable, CustomStringConvertible {
    public var applicationId: String
    public var underlying: any Error

    public var description: String {
        "history backfill stopped while reading the history of application \(applicationId): \(underlying). "
            + "Applications done so far are recorded; run `hireledger sync --backfill-history` again to resume from here."
    }
}
