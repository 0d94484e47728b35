import Foundation
import HireLedgerCore
import LMDB

/// Keeps one projection's state current with the log and stored in the `projections` database.
///
/// Storage (docs/ARCHITECTURE.md §6):
/// - `name@version`: the checkpoint, i.e. the encoded state and the position it covers
///   (`ProjectionCheckpoint`), written in ONE write transaction, so state and position always agree.
///   A new `version` has no checkpoint yet, so it is folded from position 0; the entries of the other
///   versions are removed when the new one is first written.
/// - `name@version/snapshot/<seq, 8 bytes big-endian>`: the state right after the event at that seq,
///   for every multiple of `Options.snapshotEvery`. The folds answer both time axes from the timelines
///   in their state, so a snapshot is not needed for `--known-at` queries. Snapshots are there to
///   bound the cost of getting the state of a log prefix: `state(knownAt:)` (used by `replay`) starts
///   from the last snapshot observed at or before the time instead of position 0, and a damaged
///   checkpoint can be recovered from the last readable snapshot instead of a full refold.
///
/// Checkpointing policy: encoding a large state costs seconds (the headcount state of a million
/// events encodes to tens of MB), so `catchUp` writes the checkpoint only after folding at least
/// `Options.checkpointAfter` events since the stored one, and at every snapshot boundary (one encode
/// serves both). A process that folded fewer keeps them in memory; the next process refolds that
/// short tail from the stored checkpoint, which costs less than encoding.
///
/// Snapshots are encoded and written on a helper thread while the fold goes on (one at a time; the
/// fold waits for the previous one at the next boundary and before it returns), so on two cores a
/// rebuild pays for the encodes only at its end. Measured (issue 5, 1M events): the three encodes of
/// a rebuild were a third of its time when done in line.
///
/// Rules for callers: use a runner from one thread at a time (it is not `Sendable`); every method is
/// synchronous and runs its own short transactions, none is held across an `await`. From async code
/// that must not block, call it on a dedicated thread (e.g. `LedgerStore.onWriterThread`). Several
/// runners (threads or processes) of one projection may share a store: a checkpoint never replaces a
/// stored one that covers more of the log.
public final class ProjectionRunner<P: Projection> {
    public typealias Options = ProjectionRunnerOptions

    /// What one `catchUp` did.
    public struct Report: Sendable, Hashable {
        /// Events read (folded or skipped as not handled).
        public var eventsRead: UInt64
        /// Whether the stored checkpoint could not be used and the state was refolded from 0.
        public var rebuiltFromZero: Bool
        /// Checkpoint writes (snapshot boundaries included).
        public var checkpointsWritten: Int
        public var snapshotsWritten: Int
    }

    public let store: LedgerStore
    public let options: Options
    /// The state covering positions 1 through `position`.
    public private(set) var state: P.State
    /// The last position folded.
    public private(set) var position: LogPosition = .none
    /// `observedAt` of the event at `position`.
    public private(set) var observedAt: Timestamp?
    /// The position of the checkpoint in the store, as far as this runner knows.
    public private(set) var storedPosition: LogPosition = .none
    private var loaded = false
    /// The snapshot being written on a helper thread, if any.
    private var inFlight: BackgroundWrite?

    public init(store: LedgerStore, options: Options = Options()) {
        self.store = store
        self.options = options
        state = P.initialState()
    }

    /// `name@version`.
    public static var checkpointKey: [UInt8] { Array(P.storageKey.utf8) }
    /// `name@version/snapshot/`.
    public static var snapshotPrefix: [UInt8] { Array((P.storageKey + "/snapshot/").utf8) }
    static func snapshotKey(_ seq: LogPosition) -> [UInt8] { snapshotPrefix + seq.bigEndianBytes }

    /// Folds the events appended since `position` (loading the stored checkpoint first, the first
    /// time), writing checkpoints and snapshots as `options` says. Cheap when already current: one
    /// read of the log's end.
    @discardableResult
    public func catchUp() throws -> Report {
        var report = Report(eventsRead: 0, rebuiltFromZero: false, checkpointsWritten: 0, snapshotsWritten: 0)
        if !loaded {
            loaded = true
            if !(try load()) { report.rebuiltFromZero = true }
        }
        try fold(&report, forceCheckpoint: false)
        return report
    }

    /// Discards the stored checkpoint and snapshots of this version and refolds the whole log from
    /// position 0, deterministically, then writes the checkpoint.
    @discardableResult
    public func rebuild() throws -> Report {
        try store.writeProjections([.delete(key: Self.checkpointKey), .deletePrefix(Self.snapshotPrefix, keeping: nil)])
        state = P.initialState()
        position = .none
        observedAt = nil
        storedPosition = .none
        loaded = true
        var report = Report(eventsRead: 0, rebuiltFromZero: true, checkpointsWritten: 0, snapshotsWritten: 0)
        try fold(&report, forceCheckpoint: true)
        return report
    }

    /// Writes the current state as the checkpoint now (unless the store holds a newer one).
    public func checkpoint() throws {
        _ = try write(snapshot: false)
    }

    /// The current state encoded as a checkpoint for another thread to store (the projection service
    /// writes it on the store's writer thread), when it covers at least `minimumEvents` more of the
    /// log than the stored one; nil otherwise. Encoding runs on the calling thread. Report a write
    /// that was made with `checkpointStored(_:)`.
    public func pendingCheckpoint(minimumEvents: UInt64) -> ProjectionCheckpointWrite? {
        guard position > storedPosition, position.value - storedPosition.value >= minimumEvents else { return nil }
        return Self.checkpointWrite(Self.checkpointValue(state, position, observedAt), at: position, snapshot: false)
    }

    /// Takes in that `write` (from `pendingCheckpoint`) was stored.
    public func checkpointStored(_ write: ProjectionCheckpointWrite) {
        storedPosition = max(storedPosition, write.position)
    }

    /// The encoded state as this runner holds it (for comparing kept and rebuilt states).
    public var encodedState: [UInt8] { P.encode(state) }

    /// The state built from the events observed at or before `time` (what HireLedger knew then):
    /// starts from the last snapshot observed at or before `time` (or position 0) and folds on. Does
    /// not change this runner's state.
    public func state(knownAt time: Timestamp) throws -> (state: P.State, position: LogPosition) {
        let snapshot = try store.lastProjectionEntry(prefix: Self.snapshotPrefix) { _, value -> ProjectionCheckpoint? in
            guard let head = ProjectionCheckpoint.peek(value), let at = head.observedAt, at <= time else { return nil }
            return ProjectionCheckpoint(storageBytes: value)
        }
        var s = P.initialState()
        var at = LogPosition.none
        if let snapshot, let decoded = try? P.decode(snapshot.stateBytes) {
            s = decoded
            at = snapshot.position
        }
        while true {
            guard let last = try store.scanEvents(after: at, limit: options.batchSize, through: time, selecting: P.selection(for:),
                                                  { P.apply($0, to: &s) })
            else { break }
            at = last.seq
        }
        return (s, at)
    }

    // MARK: - Internals

    /// Loads the stored checkpoint; false (state left initial) when there is none or it is unreadable.
    private func load() throws -> Bool {
        // Decompressed once and decoded from that buffer (a plain or version-1 state straight from the
        // mapped value): a cold query does not copy a large state again.
        let found = try store.withProjectionValue(Self.checkpointKey) { value -> (P.State, LogPosition, Timestamp?)? in
            guard let head = ProjectionCheckpoint.peek(value),
                  let decoded = try? ProjectionCheckpoint.withState(value, { try P.decode($0) })
            else { return nil }
            return (decoded, head.position, head.observedAt)
        }
        guard let found else { return true }
        guard let (decoded, at, observed) = found else { return false }
        state = decoded
        position = at
        observedAt = observed
        storedPosition = at
        return true
    }

    private func fold(_ report: inout Report, forceCheckpoint: Bool) throws {
        // Never return with a helper thread still writing (its error, if any, is reported below or
        // superseded by the one being thrown).
        defer { if let job = inFlight { _ = job.wait(); inFlight = nil } }
        let every = options.snapshotEvery
        while true {
            var limit = options.batchSize
            // Batches end on snapshot boundaries, so the state at a boundary is at hand.
            //
            // Each event is folded as soon as it is decoded, on this thread. Measured and rejected
            // (issue 5): decoding on a second thread ahead of the fold, in 50k-event batches or in
            // 1k-event chunks, made a million-event rebuild 1.4-1.8x SLOWER on two cores, because the
            // fold then retains and frees objects allocated on the other core (atomic refcounts and
            // cross-arena frees), and holding many decoded events at once costs cache misses.
            if every > 0 {
                let toBoundary = every - position.value % every
                limit = Int(min(UInt64(limit), toBoundary))
            }
            guard let last = try store.scanEvents(after: position, limit: limit, selecting: P.selection(for:),
                                                  { [self] in P.apply($0, to: &state) })
            else { break }
            report.eventsRead += last.seq.value - position.value
            position = last.seq
            observedAt = last.observedAt
            if every > 0 && position.value % every == 0 {
                try join(&report)
                startSnapshot()
            }
        }
        if position > storedPosition && (forceCheckpoint || position.value - storedPosition.value >= options.checkpointAfter) {
            // Encoded here while a snapshot may still be encoding on the other thread; written after
            // it, so the newer checkpoint is the one that stays.
            let value = Self.checkpointValue(state, position, observedAt)
            try join(&report)
            if position > storedPosition, try Self.store(value, at: position, snapshot: false, in: store) {
                storedPosition = position
                report.checkpointsWritten += 1
            }
        } else {
            try join(&report)
        }
    }

    /// Starts encoding and writing the current state as a snapshot (and the checkpoint) on a helper
    /// thread. The state is a value: the thread encodes the copy it was given while the fold goes
    /// on changing its own (copy on write).
    private func startSnapshot() {
        let job = BackgroundWrite(position: position)
        let (snapshotState, at, observed, store) = (state, position, observedAt, store)
        Thread.detachNewThread {
            job.finish(Result { try Self.store(Self.checkpointValue(snapshotState, at, observed), at: at, snapshot: true, in: store) })
        }
        inFlight = job
    }

    /// Waits for the snapshot in flight, if any, and takes in its outcome.
    private func join(_ report: inout Report) throws {
        guard let job = inFlight else { return }
        inFlight = nil
        if try job.wait().get() {
            storedPosition = max(storedPosition, job.position)
            report.snapshotsWritten += 1
            report.checkpointsWritten += 1
        }
    }

    /// Encodes the state once and stores it as the checkpoint (and a snapshot) in one transaction.
    private func write(snapshot: Bool) throws -> Bool {
        let written = try Self.store(Self.checkpointValue(state, position, observedAt), at: position, snapshot: snapshot, in: store)
        if written { storedPosition = position }
        return written
    }

    private static func checkpointValue(_ state: P.State, _ position: LogPosition, _ observedAt: Timestamp?) -> [UInt8] {
        ProjectionCheckpoint(position: position, observedAt: observedAt, stateBytes: P.encode(state)).storageBytes()
    }

    /// Stores `value` (a checkpoint at `position`) under the checkpoint key, and as a snapshot when
    /// asked, in one transaction; false when the store already holds a newer checkpoint.
    private static func store(_ value: [UInt8], at position: LogPosition, snapshot: Bool, in store: LedgerStore) throws -> Bool {
        try checkpointWrite(value, at: position, snapshot: snapshot).write(to: store)
    }

    /// The writes of a checkpoint at `position` (and a snapshot when asked), as a value another
    /// thread can perform.
    private static func checkpointWrite(_ value: [UInt8], at position: LogPosition, snapshot: Bool) -> ProjectionCheckpointWrite {
        // Entries of other versions of this projection are stale for good.
        ProjectionCheckpointWrite(position: position, key: checkpointKey, value: value,
                                  snapshotKey: snapshot ? snapshotKey(position) : nil,
                                  otherVersionsPrefix: Array((P.name + "@").utf8))
    }
}

/// The outcome of a snapshot written on a helper thread, waited for by the runner.
private final class BackgroundWrite: @unchecked Sendable {
    // `condition` guards `result`.
    private let condition = NSCondition()
    private var result: Result<Bool, any Error>?
    let position: LogPosition

    init(position: LogPosition) { self.position = position }

    func finish(_ outcome: Result<Bool, any Error>) {
        condition.lock()
        result = outcome
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> Result<Bool, any Error> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}

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

extension ProjectionRunnerOptions {
    /// Folds in memory and writes nothing: no checkpoint, no snapshot (the read commands, and the
    /// projection service, which writes its checkpoints itself).
    public static let inMemory = ProjectionRunnerOptions(checkpointAfter: .max, snapshotEvery: 0)
}

/// One change to the `projections` database (`LedgerStore.writeProjections`).
public enum ProjectionWrite: Sendable, Hashable {
    case put(key: [UInt8], value: [UInt8])
    case delete(key: [UInt8])
    /// Removes every key starting with `prefix` except `keeping` itself and the keys under it
    /// (`keeping` followed by `/`).
    case deletePrefix([UInt8], keeping: [UInt8]?)
}
