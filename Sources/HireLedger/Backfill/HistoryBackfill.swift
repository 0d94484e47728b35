import AshbyAPI
import HireLedgerCore

/// `hireledger sync --backfill-history`: reads every application's stage history once and records
/// its past stage moves with their real `enteredStageAt`, flagged backfilled, so pipeline views cover
/// the time before the first sync.
///
/// Applications are visited in state key order, one write transaction each, holding that
/// application's new events and the checkpointed cursor (`backfill/cursor`) together: an interrupted
/// run (crash, error, cancellation) resumes after the last application recorded. When every
/// application is done, `backfill/completed` is set and later runs do nothing unless `restart`.
///
/// Moves already in the log are never recorded again: a history entry is skipped when an
/// `application.stage_changed` event of that application names it (`historyEntryId`), or, for moves
/// recorded without history (no entry id), when one entering the same stage exists (matched newest first).
///
/// Requests are paced by `rateLimiter`. Run it after a sync (the applications and their stages
/// come from the store) and not concurrently with another writer of the same store.
public final class HistoryBackfill: Sendable {
    public let store: LedgerStore
    public let client: AshbyClient
    public let clock: any LedgerClock
    public let rateLimiter: RequestRateLimiter?
    public let observer: (@Sendable (BackfillProgress) -> Void)?

    public init(store: LedgerStore, client: AshbyClient, clock: any LedgerClock = SystemLedgerClock(),
                rateLimiter: RequestRateLimiter? = nil, observer: (@Sendable (BackfillProgress) -> Void)? = nil) {
        self.store = store
        self.client = client
        self.clock = clock
        self.rateLimiter = rateLimiter
        self.observer = observer
    }

    /// Runs (or resumes) the backfill. `limit` stops after that many applications (the cursor keeps
    /// the place); `restart` forgets a previous run's cursor and completion.
    @discardableResult
    public func run(limit: Int = .max, restart: Bool = false) async throws -> BackfillReport {
        let store = self.store
        if restart {
            try await store.onWriterThread {
                try store.setCheckpoints([CheckpointWrite(key: StoreKeys.backfillCursor, value: nil),
                                          CheckpointWrite(key: StoreKeys.backfillCompleted, value: nil)])
            }
        }
        var report = BackfillReport()
        if try store.checkpoint(StoreKeys.backfillCompleted) != nil {
            report.completed = true
            return report
        }
        var cursor = try store.checkpoint(StoreKeys.backfillCursor).flatMap { EntityKey(storageBytes: $0) }
        while report.applications < limit {
            let keys = try store.keys(of: .application, after: cursor, limit: min(100, limit - report.applications),
                                      includeDeleted: false)
            if keys.isEmpty {
                try await store.onWriterThread {
                    try store.setCheckpoints([CheckpointWrite(key: StoreKeys.backfillCompleted, value: [1])])
                }
                report.completed = true
                break
            }
            for key in keys {
                try Task.checkCancellation()
                let appended = try await backfill(key)
                report.applications += 1
                report.events += appended
                cursor = key
                observer?(BackfillProgress(applicationId: key.id, events: appended, applicationsDone: report.applications,
                                            eventsTotal: report.events))
            }
        }
        return report
    }

    /// Records the not yet recorded moves of one application and moves the cursor past it.
    private func backfill(_ key: EntityKey) async throws -> Int {
        let history: [JSONValue]
        do {
            try await rateLimiter?.acquire()
            history = try await client.applicationHistory(applicationId: key.id)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw BackfillError(applicationId: key.id, underlying: error)
        }
        let cursorWrite = CheckpointWrite(key: StoreKeys.backfillCursor, value: key.storageBytes)
        let store = self.store
        guard let application = try store.currentRecord(key) else {
            try await store.onWriterThread { try store.setCheckpoints([cursorWrite]) }
            return 0
        }
        let events = try newMoves(of: key, application: application, history: history)
        return try await store.onWriterThread { try store.append(events, checkpoints: [cursorWrite]).eventCount }
    }

    /// The history's moves as `application.stage_changed` events (built by the classifier, so they
    /// carry the same data as moves seen by the sync), minus those already recorded, all backfilled.
    func newMoves(of key: EntityKey, application: JSONValue, history: [JSONValue]) throws -> [PendingEvent] {
        let observedAt = max(clock.now(), try store.lastObservedAt ?? clock.now())
        let context = StoreClassificationContext(store: store, histories: [key.id: history])
        let all = store.classifier.classify(.created(application), subject: key, observedAt: observedAt, context: context)
            .compactMap { e in Self.stageChange(e.type, e.data).flatMap { $0.historyEntryId == nil ? nil : (e, $0) } }

        let recorded = try store.events(after: .none, types: EventTypeFilter(["application.stage_changed"]), entity: key)
            .compactMap { Self.stageChange($0.type, $0.data) }
        let recordedEntries = Set(recorded.compactMap(\.historyEntryId))
        // Moves recorded without history (a first sighting, or no history at hand), by the stage
        // entered; each stands for the latest not yet matched history move into that stage, since the
        // sync saw them as they were current.
        var untimed: [String: Int] = [:]
        for move in recorded where move.historyEntryId == nil { untimed[move.toStage.id, default: 0] += 1 }
        var out: [PendingEvent] = []
        for (event, move) in all.reversed() {
            if let id = move.historyEntryId, recordedEntries.contains(id) { continue }
            if let n = untimed[move.toStage.id], n > 0 {
                untimed[move.toStage.id] = n - 1
                continue
            }
            var e = event
            e.backfilled = true
            e.causationIndex = nil
            out.append(e)
        }
        return out.reversed()
    }

    /// The data of an `application.stage_changed` event, nil for other types or unreadable data.
    private static func stageChange(_ type: EventType, _ data: JSONValue) -> ApplicationEvent.StageChanged? {
        type == ApplicationEvent.StageChanged.type ? try? ApplicationEvent.StageChanged(data: data) : nil
    }
}

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

/// One application done by a backfill, with running totals.
public struct BackfillProgress: Sendable, Hashable {
    public var applicationId: String
    /// Events appended for this application.
    public var events: Int
    /// Applications done and events appended in this run so far.
    public var applicationsDone: Int
    public var eventsTotal: Int
}

/// What a backfill run did.
public struct BackfillReport: Sendable, Hashable {
    /// Applications whose history was read in this run.
    public var applications = 0
    /// Events appended.
    public var events = 0
    /// True when every application is done (now or in an earlier run).
    public var completed = false
}
