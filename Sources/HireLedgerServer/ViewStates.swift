import HireLedger
import HireLedgerCore
import Synchronization

/// The projection states the view endpoints answer from, kept current through `ProjectionRunner`s
/// (checkpointed in the store's `projections` database, shared with the CLI): the same runners and
/// folds `hireledger headcount|pipeline|changes` use, so the API answers exactly what the CLI prints.
///
/// Each view has its own runner, folded only when a request for that view finds the log grown. Two
/// locks per view keep readers short: the published state (a copy-on-write value and the position it
/// covers) is read under a lock held only for the copy, so a reader finds a current state without
/// waiting; the runner sits behind another lock held while it catches up, which only readers that
/// need the newer events wait for. Every fold runs synchronously in read transactions of at most
/// `batchSize` events (and a checkpoint write after `checkpointAfter` events); none is held across an
/// `await`.
public final class ViewStates: Sendable {
    public let store: LedgerStore
    let headcountView: View<HeadcountProjection>
    let pipelineView: View<PipelineProjection>
    let changesView: View<PlanChangesProjection>

    public init(store: LedgerStore, options: ProjectionRunnerOptions = ProjectionRunnerOptions()) {
        self.store = store
        headcountView = View(store: store, options: options)
        pipelineView = View(store: store, options: options)
        changesView = View(store: store, options: options)
    }

    /// The headcount state caught up with the log as of this call.
    public func headcount() throws -> PlanEntities { try headcountView.current(last: store.lastPosition) }
    /// The pipeline state caught up with the log as of this call.
    public func pipeline() throws -> PipelineState { try pipelineView.current(last: store.lastPosition) }
    /// The plan-changes state caught up with the log as of this call.
    public func changes() throws -> PlanChangesProjection.State { try changesView.current(last: store.lastPosition) }

    /// Each view's name and the log position its published state covers (nil before its first fold):
    /// the view lag `/metrics` shows.
    public var publishedPositions: [(view: String, position: LogPosition?)] {
        [("headcount", headcountView.publishedPosition), ("pipeline", pipelineView.publishedPosition),
         ("changes", changesView.publishedPosition)]
    }

    /// Brings every view up to the log's end (e.g. once at startup, so the first requests are fast).
    public func catchUpAll() throws {
        let last = try store.lastPosition
        _ = try headcountView.current(last: last)
        _ = try pipelineView.current(last: last)
        _ = try changesView.current(last: last)
    }

    /// One view: its runner and the state it last published.
    final class View<P: Projection>: Sendable {
        private struct Published: Sendable {
            var state: P.State
            var position: LogPosition
            var loaded: Bool
        }
        // The runner is not Sendable; it is only touched with `runner`'s lock held.
        private struct RunnerBox: @unchecked Sendable { let runner: ProjectionRunner<P> }

        private let runner: Mutex<RunnerBox>
        private let published: Mutex<Published>

        init(store: LedgerStore, options: ProjectionRunnerOptions) {
            runner = Mutex(RunnerBox(runner: ProjectionRunner<P>(store: store, options: options)))
            published = Mutex(Published(state: P.initialState(), position: .none, loaded: false))
        }

        /// The position the published state covers; nil before the first fold.
        var publishedPosition: LogPosition? { published.withLock { $0.loaded ? $0.position : nil } }

        /// The state covering at least `last`.
        func current(last: LogPosition) throws -> P.State {
            if let ready = published.withLock({ p in p.loaded && p.position >= last ? p.state : nil }) { return ready }
            return try runner.withLock { box in
                // Another reader may have caught up while this one waited for the lock.
                if let ready = published.withLock({ p in p.loaded && p.position >= last ? p.state : nil }) { return ready }
                try box.runner.catchUp()
                let state = box.runner.state, position = box.runner.position
                published.withLock { $0 = Published(state: state, position: position, loaded: true) }
                return state
            }
        }
    }
}
