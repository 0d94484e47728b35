/// Tuning of batches, checkpoints and snapshots.
public struct ProjectionRunnerOptions: Sendable, Hashable {
    /// Events read per read transaction.
    public var batchSize: Int
    /// Events folded since the stored checkpoint before `catchUp` writes a new one.
    public var checkpointAfter: UInt64
    /// A snapshot is stored after every event whose seq is a multiple of this (0: no snapshots).
    public var snapshotEvery: UInt64

    public init(batchSize: Int = 50_000, checkpointAfter: UInt64 = 50_000, snapshotEvery: UInt64 = 500_000) {
        precondition(batchSize > 0, "batchSize must be positive")
        self.batchSize = batchSize
        self.checkpointAfter = checkpointAfter
        self.snapshotEvery = snapshotEvery
    }
}

