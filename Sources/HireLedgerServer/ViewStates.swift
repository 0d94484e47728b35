import HireLedger
import HireLedgerCore
import Synchronization

/// The projection states the view endpoints answer from, kept folded up to the log's end.
///
/// `current()` is the one place the server folds the log: it applies the events appended since the
/// last call (all of them the first time), the same folds `hireledger headcount|pipeline|changes` run,
/// so the API answers exactly what the CLI prints. (When the checkpointed `ProjectionRunner` lands,
/// this type is the only thing to swap.) The fold runs under a lock, synchronously, in read
/// transactions of at most 50k events; none is held across an `await`.
public final class ViewStates: Sendable {
    /// The three states and the last position folded into them.
    public struct Folded: Sendable {
        public var headcount: PlanEntities
        public var pipeline: PipelineState
        public var changes: PlanChangesProjection.State
        public var position: LogPosition
    }

    public let store: LedgerStore
    private let folded: Mutex<Folded>

    public init(store: LedgerStore) {
        self.store = store
        folded = Mutex(Folded(headcount: HeadcountProjection.initialState(), pipeline: PipelineProjection.initialState(),
                              changes: PlanChangesProjection.initialState(), position: .none))
    }

    /// The states folded up to the log's end as of this call.
    public func current() throws -> Folded {
        try folded.withLock { f in
            try ViewStates.fold(store, into: &f)
            return f
        }
    }

    /// Applies the events after `f.position` to `f`.
    public static func fold(_ store: LedgerStore, into f: inout Folded) throws {
        while true {
            let batch = try store.events(after: f.position, limit: 50_000)
            guard let tail = batch.last else { return }
            for e in batch {
                if HeadcountProjection.handles(e.type) { HeadcountProjection.apply(e, to: &f.headcount) }
                if PipelineProjection.handles(e.type) { PipelineProjection.apply(e, to: &f.pipeline) }
                if PlanChangesProjection.handles(e.type) { PlanChangesProjection.apply(e, to: &f.changes) }
            }
            f.position = tail.seq
        }
    }
}
