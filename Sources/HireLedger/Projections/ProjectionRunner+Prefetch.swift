import Foundation
import HireLedgerCore

/// One batch of the log as a runner folds it: the decoded events a projection handles, and the
/// position and `observedAt` of the last event read (handled or not).
struct ProjectionBatch: Sendable {
    var events: [RecordedEvent]
    var last: (seq: LogPosition, observedAt: Timestamp)
}

/// Reads and decodes the log's batches on its own thread, up to `depth` batches ahead of the fold.
///
/// Why: in a full rebuild, reading events from LMDB and parsing their JSON data costs about twice
/// as much as folding them; on a two-core machine a second thread doing it while the runner folds
/// the previous batch nearly halves the rebuild time. Only used after a full first batch, so the
/// common short catch-up stays on the caller's thread.
///
/// LMDB rules kept: each batch is one read transaction, begun and ended inside `scanEvents` on the
/// prefetch thread (read transactions may run on any thread; the runner's writes stay on its own).
/// Batches end on snapshot boundaries exactly as the runner's own reads would.
final class ProjectionPrefetcher: @unchecked Sendable {
    // Invariant: `ready`, `finished`, `failure` and `cancelled` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var ready: [ProjectionBatch] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var running = true

    /// Starts reading the batches after `position` at once.
    init(store: LedgerStore, after position: LogPosition, batchSize: Int, snapshotEvery: UInt64, depth: Int = 2,
         wanted: @escaping @Sendable (EventType) -> Bool) {
        let thread = Thread { [self] in
            Thread.current.name = "projection-prefetch"
            produce(store: store, after: position, batchSize: batchSize, snapshotEvery: snapshotEvery, depth: depth, wanted: wanted)
        }
        thread.start()
    }

    /// The next batch in log order, waiting for it; nil at the end of the log. Rethrows a read error.
    func next() throws -> ProjectionBatch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            let batch = ready.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the thread after its current batch and waits until it has ended (so no read runs on
    /// after the runner returned).
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        ready.removeAll()
        condition.broadcast()
        while running { condition.wait() }
    }

    private func produce(store: LedgerStore, after start: LogPosition, batchSize: Int, snapshotEvery every: UInt64, depth: Int,
                         wanted: @Sendable (EventType) -> Bool) {
        var position = start
        var error: (any Error)?
        while true {
            condition.lock()
            while ready.count >= depth && !cancelled { condition.wait() }
            let stop = cancelled
            condition.unlock()
            if stop { break }
            var events: [RecordedEvent] = []
            let last: (seq: LogPosition, observedAt: Timestamp)?
            do {
                last = try store.scanEvents(after: position, limit: ProjectionRunnerOptions.batchLimit(after: position, batchSize: batchSize, snapshotEvery: every),
                                            wanted: wanted) { events.append($0) }
            } catch let e {
                error = e
                break
            }
            guard let last else { break }
            position = last.seq
            condition.lock()
            ready.append(ProjectionBatch(events: events, last: last))
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        failure = error
        finished = true
        running = false
        condition.broadcast()
        condition.unlock()
    }
}

extension ProjectionRunnerOptions {
    /// The size of the batch read after `position`: `batchSize`, cut short at the next snapshot
    /// boundary so the state at a boundary is at hand.
    static func batchLimit(after position: LogPosition, batchSize: Int, snapshotEvery every: UInt64) -> Int {
        guard every > 0 else { return batchSize }
        let toBoundary = every - position.value % every
        return Int(min(UInt64(batchSize), toBoundary))
    }
}
