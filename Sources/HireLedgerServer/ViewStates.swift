import HireLedger
import HireLedgerCore
import LMDB

/// The projection states the view endpoints answer from: published by a `ProjectionService` that
/// folds on its own thread when the `LogWatcher` sees the log grow, and writes the checkpoints
/// (shared with the CLI) through the store's writer thread. The same folds `hireledger
/// headcount|pipeline|changes` use, so the API answers exactly what the CLI prints for the log
/// prefix the published state covers.
///
/// A handler only reads: it takes the last published state without waiting for a fold in progress
/// (a request during a long catch-up is answered from the previous state), and waits, suspended,
/// only for the very first publication after startup. A read that finds the log ahead of the
/// published state nudges the service, so the next request sees the newer events. In debug builds
/// every read runs with `BlockingWriteGuard.forbidden` bound, so a store write (and its fsync) on
/// this path trips an assertion.
public final class ViewStates: Sendable {
    public let store: LedgerStore
    public let service: ProjectionService

    /// Starts the service (its first catch-up loads the stored checkpoints and folds on). With a
    /// `watcher`, every advance it sees wakes the service.
    public init(store: LedgerStore, watcher: LogWatcher? = nil,
                options: ProjectionService.Options = ProjectionService.Options()) {
        self.store = store
        service = ProjectionService(store: store, options: options)
        service.add(HeadcountProjection.self)
        service.add(PipelineProjection.self)
        service.add(PlanChangesProjection.self)
        service.start()
        watcher?.onAdvance { [service] _ in service.logAdvanced() }
    }

    deinit { service.stop() }

    /// Stops the service and waits until its thread reads the store no more.
    public func close() { service.stopAndWait() }

    /// The last published headcount state.
    public func headcount() async throws -> PlanEntities { try await read(HeadcountProjection.self) }
    /// The last published pipeline state.
    public func pipeline() async throws -> PipelineState { try await read(PipelineProjection.self) }
    /// The last published plan-changes state.
    public func changes() async throws -> PlanChangesProjection.State { try await read(PlanChangesProjection.self) }

    /// Each view's name and the log position its published state covers (nil before its first
    /// publication): the view lag `/metrics` shows.
    public var publishedPositions: [(view: String, position: LogPosition?)] {
        [("headcount", service.published(HeadcountProjection.self)?.position),
         ("pipeline", service.published(PipelineProjection.self)?.position),
         ("changes", service.published(PlanChangesProjection.self)?.position)]
    }

    /// Waits until every view covers the log's last position (for callers that just appended).
    public func waitUntilCurrent(timeout: Duration = .seconds(30)) async throws {
        try await service.waitUntilCurrent(timeout: timeout)
    }

    private func read<P: Projection>(_: P.Type) async throws -> P.State {
        try await BlockingWriteGuard.$forbidden.withValue(true) {
            try await service.state(P.self).state
        }
    }
}
