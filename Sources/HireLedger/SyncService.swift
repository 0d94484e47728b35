import AshbyAPI
import HireLedgerCore

/// Syncs an Ashby account into a `LedgerStore` (ARCHITECTURE §5).
///
/// Each entity type of `SyncPlan.order` gets one pass: incremental when a `syncToken` is stored and
/// the endpoint takes one, full otherwise (or with `SyncOptions.forceFull`). A refused token
/// (`sync_token_expired`, `incremental_sync_too_large`) is dropped and a full pass of that type follows.
///
/// Per page: fetch (no transaction open), normalise and hash every record, compare with the state
/// index in a read transaction, fetch `application.listHistory` for applications whose stage moved
/// (so moves between two polls are recorded with their real `enteredStageAt`, flagged backfilled),
/// then record the page in ONE write transaction (`LedgerStore.record`): events, state, indexes and,
/// with the pass's last page, its new `syncToken` and run record. A page without changes opens no write
/// transaction. A full pass tracks the ids it saw and, only once complete, tombstones the live
/// records it did not see (reason `absent_from_full_sync`); a full pass cut short records no deletion.
///
/// Crash safety: a sync killed at any instant leaves the store as of its last commit. The next sync
/// re-reads what was not committed (from the stored token, or from the first page of a full pass);
/// unchanged records append nothing, so nothing is duplicated and nothing lost.
///
/// Memory: one page at a time; beyond it only the ids seen in the current full pass are kept.
///
/// Store writes run on the store's writer thread (`LedgerStore.onWriterThread`), each a whole
/// synchronous transaction, never across an `await`. Run one sync at a time per store.
public final class SyncService: Sendable {
    public let store: LedgerStore
    public let client: AshbyClient
    public let clock: any LedgerClock
    public let normalizer: RecordNormalizer
    public let observer: SyncObserver?
    /// Paces the per-application history requests, if set.
    public let historyRateLimiter: RequestRateLimiter?

    public init(store: LedgerStore, client: AshbyClient, clock: any LedgerClock = SystemLedgerClock(),
                normalizer: RecordNormalizer = .standard, historyRateLimiter: RequestRateLimiter? = nil,
                observer: SyncObserver? = nil) {
        self.store = store
        self.client = client
        self.clock = clock
        self.normalizer = normalizer
        self.historyRateLimiter = historyRateLimiter
        self.observer = observer
    }

    /// Syncs every type in `options.types`, in `SyncPlan.order`. Throws `SyncError` (or
    /// `CancellationError`) at the first failure; passes finished before it stay recorded.
    @discardableResult
    public func sync(_ options: SyncOptions = SyncOptions()) async throws -> SyncReport {
        let before = try store.lastPosition
        var runs: [SyncRun] = []
        for type in SyncPlan.order where options.types.contains(type) {
            runs.append(try await sync(type, options: options))
        }
        return SyncReport(runs: runs, firstPosition: before.next, lastPosition: try store.lastPosition)
    }

    /// One pass of one entity type, falling back to a full pass when Ashby refuses the stored token.
    @discardableResult
    public func sync(_ type: AshbyEntityType, options: SyncOptions = SyncOptions()) async throws -> SyncRun {
        precondition(SyncPlan.kind(of: type) != nil, "\(type) is not a list of records")
        let endpoint = type.listEndpoint
        let token = options.forceFull || !endpoint.supportsSyncToken ? nil : try store.syncToken(endpoint: endpoint.method)
        guard let token else { return try await pass(type, token: nil, options: options) }
        do {
            return try await pass(type, token: token, options: options)
        } catch let error as SyncError {
            guard let ashby = error.underlying as? AshbyError, ashby.requiresFullResync else { throw error }
            let store = self.store
            try await store.onWriterThread { try store.setCheckpoints([.syncToken(nil, endpoint: endpoint.method)]) }
            observer?(.fellBackToFull(entityType: type, reason: ashby.description))
            return try await pass(type, token: nil, options: options)
        }
    }

    // MARK: - One pass

    private struct PassState {
        let type: AshbyEntityType
        let kind: EntityKind
        let mode: SyncRun.Mode
        let startedAt: Timestamp
        var pages = 0
        var records = 0
        var events = 0
        var tombstones = 0
        /// Ids seen in a full pass.
        var seen: Set<String> = []
        /// Whether applications new to the store get their history read.
        var historyForNew = false
    }

    private func pass(_ type: AshbyEntityType, token: String?, options: SyncOptions) async throws -> SyncRun {
        let kind = SyncPlan.kind(of: type)!
        var state = PassState(type: type, kind: kind, mode: token == nil ? .full : .incremental, startedAt: clock.now())
        if type == .applications {
            state.historyForNew = try options.historyForNewApplications && store.lastSyncRun(entityType: type.rawValue) != nil
        }
        observer?(.passStarted(entityType: type, mode: state.mode))
        let endpoint = type.listEndpoint

        if type == .interviewStages {
            // Listed per plan, without pages or tokens: one "page" per live plan.
            let plans = try store.liveKeys(of: .interviewPlan)
            for (i, plan) in plans.enumerated() {
                let records: [JSONValue]
                do {
                    records = try await client.interviewStages(interviewPlanId: plan.id)
                } catch {
                    throw wrap(error, state, page: state.pages + 1, step: .fetchingStages(interviewPlanId: plan.id))
                }
                try await recordPage(records, isLast: i == plans.count - 1, finalToken: nil, endpoint: endpoint, &state)
            }
            if plans.isEmpty { try await recordPage([], isLast: true, finalToken: nil, endpoint: endpoint, &state) }
        } else {
            var pager = client.pager(endpoint, syncToken: token, pageSize: options.pageSize)
            while true {
                let page: AshbyPage?
                do { page = try await pager.next() } catch {
                    throw wrap(error, state, page: state.pages + 1, step: .fetchingPage)
                }
                guard let page else { break }
                try await recordPage(page.records, isLast: pager.isFinished, finalToken: pager.finalSyncToken,
                                     endpoint: endpoint, &state)
            }
        }
        // Written with the last page; a pass always ends with one (an empty listing is one empty page).
        return try store.lastSyncRun(entityType: type.rawValue) ?? SyncRun(
            entityType: type.rawValue, mode: state.mode, startedAt: state.startedAt, finishedAt: clock.now(),
            pages: state.pages, records: state.records, events: state.events, tombstones: state.tombstones)
    }

    /// Compares, fetches histories, records one page; with the pass's last page also the tombstones
    /// (full pass), the new sync token and the run record, in the same transaction.
    private func recordPage(_ raw: [JSONValue], isLast: Bool, finalToken: String?, endpoint: AshbyEndpoint,
                            _ state: inout PassState) async throws {
        let pageNumber = state.pages + 1
        // Records without a usable id cannot be keyed; Ashby always sends one, so they are skipped.
        var seenRecords: [(key: EntityKey, record: NormalizedRecord)] = []
        seenRecords.reserveCapacity(raw.count)
        for record in raw {
            guard let id = record.string("id"), !id.isEmpty else { continue }
            let key = EntityKey(state.kind, id)
            guard key.isStorable else { continue }
            if state.mode == .full { state.seen.insert(id) }
            seenRecords.append((key, normalizer.normalize(record, kind: state.kind)))
        }
        var observations = seenRecords.map { Observation.seen($0.key, $0.record) }
        let differences: [ObservedDifference]
        do {
            differences = try store.compare(seenRecords.map { ($0.key, $0.record.hash) })
        } catch {
            throw wrap(error, state, page: pageNumber, step: .recording)
        }

        // Application histories for stage moves (and new applications after the first pass).
        var histories: [String: [JSONValue]] = [:]
        if state.kind == .application {
            for ((key, record), difference) in zip(seenRecords, differences) {
                let stage = record.value["currentInterviewStage"]?.string("id")
                let wanted: Bool
                switch difference {
                case .unchanged: wanted = false
                case .new: wanted = state.historyForNew && stage != nil
                case .changed(let previous), .restored(let previous):
                    wanted = stage != nil && previous["currentInterviewStage"]?.string("id") != stage
                }
                guard wanted else { continue }
                do {
                    try await historyRateLimiter?.acquire()
                    histories[key.id] = try await client.applicationHistory(applicationId: key.id)
                } catch {
                    throw wrap(error, state, page: pageNumber, step: .fetchingHistory(applicationId: key.id))
                }
            }
        }

        var changed = differences.contains { $0.isChange }
        var checkpoints: [CheckpointWrite] = []
        var tombstoneCount = 0
        if isLast {
            if state.mode == .full {
                let absent = try store.liveKeys(of: state.kind, notIn: state.seen)
                tombstoneCount = absent.count
                observations += absent.map { .absent($0, .absentFromFullSync) }
                changed = changed || !absent.isEmpty
            }
            if endpoint.supportsSyncToken {
                checkpoints.append(.syncToken(finalToken, endpoint: endpoint.method))
            }
        }

        var appended = 0
        if changed || isLast {
            let observedAt = clock.now()
            // With the last page, the run record goes into the same transaction; its event count
            // includes this page's, known only inside, so it is made from the append's result there.
            let runSoFar = SyncRun(entityType: state.type.rawValue, mode: state.mode, startedAt: state.startedAt,
                                   finishedAt: state.startedAt, pages: pageNumber, records: state.records + raw.count,
                                   events: state.events, tombstones: state.tombstones + tombstoneCount)
            let clock = self.clock
            let runRecord: @Sendable (AppendResult) -> [CheckpointWrite] = { result in
                var run = runSoFar
                run.finishedAt = clock.now()
                run.events += result.eventCount
                return [run.checkpointWrite]
            }
            let finalCheckpoints = isLast ? runRecord : nil
            do {
                let store = self.store, toRecord = changed ? observations : []
                let checkpointWrites = checkpoints, fetched = histories
                appended = try await store.onWriterThread {
                    try store.record(toRecord, observedAt: observedAt, histories: fetched, checkpoints: checkpointWrites,
                                     finalCheckpoints: finalCheckpoints).eventCount
                }
            } catch {
                throw wrap(error, state, page: pageNumber, step: .recording)
            }
        }
        state.pages = pageNumber
        state.records += raw.count
        state.events += appended
        state.tombstones += tombstoneCount
        observer?(.page(SyncPageProgress(entityType: state.type, mode: state.mode, page: pageNumber, records: raw.count,
                                         recordsInPass: state.records, events: appended,
                                         historiesFetched: histories.count)))
        if isLast, let run = try? store.lastSyncRun(entityType: state.type.rawValue) {
            observer?(.passFinished(run))
        }
    }

    private func wrap(_ error: any Error, _ state: PassState, page: Int, step: SyncError.Step) -> any Error {
        if error is CancellationError || error is SyncError { return error }
        return SyncError(entityType: state.type, mode: state.mode, page: page, step: step, pagesRecorded: state.pages,
                         underlying: error)
    }
}
