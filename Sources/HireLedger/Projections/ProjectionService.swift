import Foundation
import HireLedgerCore

/// Keeps projections current with the log off the request path: it folds on a dedicated thread of
/// its own when told the log advanced, writes checkpoints through the store's writer thread, and
/// publishes each projection's state as an immutable value that readers take without waiting.
///
/// How it runs:
/// - One OS thread (`ledger-views`) owns a `ProjectionRunner` per projection (folding in memory,
///   `ProjectionRunnerOptions.inMemory`). `logAdvanced()` (e.g. from the server's `LogWatcher`) and
///   `start()` wake it; it then catches every projection up with the log's end, one after another,
///   and publishes each state as soon as that projection is current. Wake-ups that arrive during a
///   catch-up are merged into one more round.
/// - A reader (`published(_:)`, `state(_:)`) copies the last published value under a lock held only
///   for the copy (the state is a copy-on-write value): it never waits for a fold, so a request is
///   answered from the last published state while a long catch-up runs.
/// - With `Options.writesCheckpoints`, once a projection has folded `checkpointAfter` events past
///   its stored checkpoint, the thread encodes the state and hands the write to the store's writer
///   thread (whose commit fsyncs), waiting for it before folding on. No fold, encode or fsync runs on
///   a Swift concurrency thread.
///
/// Rules for callers: register the projections with `add(_:)` before `start()`; call `stop()` (or
/// drop the last reference) to end the thread. Every method is safe from any thread or task;
/// `state(_:)` suspends (without blocking a thread) only until the first publication.
public final class ProjectionService: @unchecked Sendable {
    // Invariant: `lanes` is only changed before `start()`; `condition` guards `wanted`, `stopped`,
    // `started`, `folding`, `lastError` and `rounds`.
    public struct Options: Sendable {
        /// Events read per read transaction.
        public var batchSize: Int
        /// Whether the service stores checkpoints (`hireledger serve` does; a read-only use may not).
        public var writesCheckpoints: Bool
        /// Events folded past the stored checkpoint before the service writes a new one.
        public var checkpointAfter: UInt64

        public init(batchSize: Int = 50_000, writesCheckpoints: Bool = true, checkpointAfter: UInt64 = 50_000) {
            self.batchSize = batchSize
            self.writesCheckpoints = writesCheckpoints
            self.checkpointAfter = checkpointAfter
        }
    }

    /// What the service is doing, for status and metrics.
    public struct Status: Sendable {
        /// True while a catch-up round runs.
        public var folding: Bool
        /// Catch-up rounds completed.
        public var rounds: Int
        /// The last round's error, if it failed (the previous states stay published).
        public var lastError: String?
    }

    public let store: LedgerStore
    public let options: Options
    private var lanes: [any ServiceLane] = []
    private let condition = NSCondition()
    private var wanted = false
    private var stopped = false
    private var started = false
    /// Signalled once when the thread's loop has ended (after `stop()`).
    private let finished = DispatchSemaphore(value: 0)
    private var folding = false
    private var rounds = 0
    private var lastError: String?

    public init(store: LedgerStore, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    deinit { stop() }

    /// Registers projection `P`. Call before `start()`; a second registration of one type is ignored.
    public func add<P: Projection>(_: P.Type) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!started, "ProjectionService.add(\(P.name)) called after start()")
        guard !lanes.contains(where: { $0 is Lane<P> }) else { return }
        lanes.append(Lane<P>(store: store, batchSize: options.batchSize))
    }

    /// Starts the thread and its first catch-up (loading each stored checkpoint, then folding on).
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started, !stopped else { return }
        started = true
        wanted = true
        // The thread holds the service until `stop()` ends its loop.
        let thread = Thread { [self] in
            Thread.current.name = "ledger-views"
            run()
            finished.signal()
        }
        thread.start()
    }

    /// Tells the service the log may have grown: it catches up soon, on its own thread. Never blocks.
    public func logAdvanced() {
        condition.lock()
        wanted = true
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread after the round in progress, if any. Waiters for a first publication get
    /// `ProjectionServiceError.stopped`.
    public func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
        for lane in lanes { lane.fail(ProjectionServiceError.stopped) }
    }

    /// `stop()`, then waits (at most `timeout` seconds) until the thread has left its loop, so no read
    /// of the store is in flight once it returns: for owners that close or hand over the store (a
    /// server shutting an account down). Returns false on a timeout. Never call it on the thread itself.
    @discardableResult
    public func stopAndWait(timeout: Double = 30) -> Bool {
        stop()
        condition.lock()
        let running = started
        condition.unlock()
        guard running else { return true }
        guard finished.wait(timeout: .now() + timeout) == .success else { return false }
        finished.signal() // a later call returns at once too
        return true
    }

    public var status: Status {
        condition.lock()
        defer { condition.unlock() }
        return Status(folding: folding, rounds: rounds, lastError: lastError)
    }

    /// The last published state of `P`, nil before the first publication. Never waits for a fold.
    public func published<P: Projection>(_: P.Type) -> PublishedState<P.State>? {
        lane(P.self).published
    }

    /// The last published state of `P`; before the first publication, suspends until it (or until
    /// the first catch-up fails, which is thrown). Nudges the service when the log is ahead of the
    /// published state, so the next reader gets the newer one; this reader does not wait for it.
    public func state<P: Projection>(_: P.Type) async throws -> PublishedState<P.State> {
        let lane = lane(P.self)
        if let p = lane.published {
            if let last = try? store.lastPosition, last > p.position { logAdvanced() }
            return p
        }
        return try await lane.firstPublication()
    }

    /// Waits until every projection has published a state covering `position` (default: the log's
    /// last position now), or throws `ProjectionServiceError.timedOut`. For tests and for callers
    /// that just appended and want to read their own writes.
    public func waitUntilCurrent(through position: LogPosition? = nil, timeout: Duration = .seconds(30)) async throws {
        let target = try position ?? store.lastPosition
        logAdvanced()
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while lanes.contains(where: { ($0.publishedPosition ?? .none) < target || !$0.hasPublished }) {
            if ContinuousClock.now >= deadline {
                throw ProjectionServiceError.timedOut(target: target, status: status.lastError)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func lane<P: Projection>(_: P.Type) -> Lane<P> {
        guard let lane = lanes.lazy.compactMap({ $0 as? Lane<P> }).first else {
            preconditionFailure("ProjectionService: \(P.name) was not added")
        }
        return lane
    }

    // MARK: - The thread

    private func run() {
        while true {
            condition.lock()
            while !wanted && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            wanted = false
            folding = true
            condition.unlock()

            var failure: String?
            for lane in lanes {
                do {
                    try lane.catchUpAndPublish()
                    if options.writesCheckpoints { try lane.checkpoint(minimumEvents: options.checkpointAfter, store: store) }
                } catch {
                    failure = "\(lane.name): \(error)"
                    lane.failFirstPublication(error)
                }
                if isStopped { break }
            }

            condition.lock()
            folding = false
            rounds += 1
            lastError = failure
            condition.unlock()
        }
    }

    private var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }
}

/// A projection state as the service published it: immutable, with the log prefix it covers.
public struct PublishedState<State: Sendable>: Sendable {
    public let state: State
    /// The state covers positions 1 through `position`.
    public let position: LogPosition
    /// `observedAt` of the event at `position`.
    public let observedAt: Timestamp?
}

/// Why a `ProjectionService` call gave up.
public enum ProjectionServiceError: Error, Sendable, CustomStringConvertible {
    case stopped
    case timedOut(target: LogPosition, status: String?)

    public var description: String {
        switch self {
        case .stopped: "the projection service stopped before the views were published"
        case .timedOut(let target, let error):
            "the views did not catch up with log position \(target.value) in time" + (error.map { " (last error: \($0))" } ?? "")
        }
    }
}

/// One projection of a `ProjectionService`, type-erased for the thread's loop.
protocol ServiceLane: AnyObject, Sendable {
    var name: String { get }
    var publishedPosition: LogPosition? { get }
    var hasPublished: Bool { get }
    /// On the service thread only.
    func catchUpAndPublish() throws
    /// On the service thread only.
    func checkpoint(minimumEvents: UInt64, store: LedgerStore) throws
    func failFirstPublication(_ error: any Error)
    func fail(_ error: any Error)
}

/// A projection's runner (touched only by the service thread) and its published state (read by
/// anyone under `lock`).
final class Lane<P: Projection>: ServiceLane, @unchecked Sendable {
    // Invariant: `runner` is only used on the service thread; `lock` guards `current`, `waiters`
    // and `failure`.
    private let runner: ProjectionRunner<P>
    private let lock = NSLock()
    private var current: PublishedState<P.State>?
    private var waiters: [CheckedContinuation<PublishedState<P.State>, any Error>] = []
    private var failure: (any Error)?

    init(store: LedgerStore, batchSize: Int) {
        var options = ProjectionRunnerOptions.inMemory
        options.batchSize = batchSize
        runner = ProjectionRunner<P>(store: store, options: options)
    }

    var name: String { P.name }

    var published: PublishedState<P.State>? {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    var publishedPosition: LogPosition? { published?.position }
    var hasPublished: Bool { published != nil }

    func catchUpAndPublish() throws {
        try runner.catchUp()
        let fresh = PublishedState(state: runner.state, position: runner.position, observedAt: runner.observedAt)
        lock.lock()
        let changed = current.map { $0.position != fresh.position } ?? true
        if changed { current = fresh }
        let ready = waiters
        waiters = []
        failure = nil
        lock.unlock()
        for w in ready { w.resume(returning: fresh) }
    }

    func checkpoint(minimumEvents: UInt64, store: LedgerStore) throws {
        guard let write = runner.pendingCheckpoint(minimumEvents: minimumEvents) else { return }
        if try store.writer.performAndWait({ try write.write(to: store) }) {
            runner.checkpointStored(write)
        }
    }

    /// Fails the readers waiting for a first publication (later ones wait for the next round).
    func failFirstPublication(_ error: any Error) {
        lock.lock()
        let waiting = waiters
        waiters = []
        if current == nil { failure = error }
        lock.unlock()
        for w in waiting { w.resume(throwing: error) }
    }

    func fail(_ error: any Error) {
        lock.lock()
        let waiting = waiters
        waiters = []
        failure = error
        lock.unlock()
        for w in waiting { w.resume(throwing: error) }
    }

    func firstPublication() async throws -> PublishedState<P.State> {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<PublishedState<P.State>, any Error>) in
            lock.lock()
            if let current {
                lock.unlock()
                c.resume(returning: current)
            } else if let failure {
                self.failure = nil
                lock.unlock()
                c.resume(throwing: failure)
            } else {
                waiters.append(c)
                lock.unlock()
            }
        }
    }
}
