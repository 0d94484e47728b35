import AshbyAPI
import HireLedgerCore

/// Syncs an Ashby account into a `LedgerStore` (docs/ARCHITECTURE.md §5).
///
/// Each entity type of `SyncPlan.order` gets one pass: incremental when a `syncToken` is stored and
/// the endpoint takes one, full otherwise (or with `SyncOptions.forceFull`). A refused token
/// (`sync_token_expired`, `incremental_sync_too_large`) is dropped and a full pass of that type follows.
///
/// Per page: fetch (no transaction open), then skip every record whose bytes are exactly those the
/// state index last recorded for it (its raw hash, `StateRow.rawHash`: one read transaction, no
/// parsing); parse, normalise and hash the others and compare them with the state index in a read
/// transaction, fetch `application.listHistory` for applications whose stage moved
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
        var token = options.forceFull || !endpoint.supportsSyncToken ? nil : try store.syncToken(endpoint: endpoint.method)
        // Incremental passes never see deletions, so a type whose last full pass is older than the
        // interval gets a full one (and the tombstones it finds).
        if token != nil, let days = options.fullPassIntervalDays {
            let lastFull = try store.lastFullSyncRun(entityType: type.rawValue)?.finishedAt
            if lastFull.map({ $0.adding(days: days) <= clock.now() }) ?? true { token = nil }
        }
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
        /// The seed of this kind's raw hashes (`rawHashSeed`).
        var rawSeed: UInt64 = 0
    }

    private func pass(_ type: AshbyEntityType, token: String?, options: SyncOptions) async throws -> SyncRun {
        let kind = SyncPlan.kind(of: type)!
        var state = PassState(type: type, kind: kind, mode: token == nil ? .full : .incremental, startedAt: clock.now())
        state.rawSeed = Self.rawHashSeed(kind, normalizer)
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
                // Written canonically into a page of their own: their raw hashes are then of those bytes.
                let page = AshbyRawPage(endpoint: endpoint.method, records: records, moreDataAvailable: false)
                try await recordPage(page, isLast: i == plans.count - 1, finalToken: nil, endpoint: endpoint, &state)
            }
            if plans.isEmpty {
                let empty = AshbyRawPage(endpoint: endpoint.method, records: [], moreDataAvailable: false)
                try await recordPage(empty, isLast: true, finalToken: nil, endpoint: endpoint, &state)
            }
        } else {
            // The next page is fetched while this one is compared and recorded: Ashby's response time and
            // our hashing and LMDB work overlap instead of adding up. Pages are still recorded strictly in
            // order, and a failure drops the page in flight (nothing of it was recorded).
            var inFlight = Self.fetchNext(client.pager(endpoint, syncToken: token, pageSize: options.pageSize))
            while true {
                let page: AshbyRawPage?
                let pager: AshbyPager
                do { (page, pager) = try await inFlight.value } catch {
                    throw wrap(error, state, page: state.pages + 1, step: .fetchingPage)
                }
                guard let page else { break }
                if !pager.isFinished { inFlight = Self.fetchNext(pager) }
                do {
                    try await recordPage(page, isLast: pager.isFinished, finalToken: pager.finalSyncToken,
                                         endpoint: endpoint, &state)
                } catch {
                    inFlight.cancel()
                    throw error
                }
                if pager.isFinished { break }
            }
        }
        // Written with the last page; a pass always ends with one (an empty listing is one empty page).
        return try store.lastSyncRun(entityType: type.rawValue) ?? SyncRun(
            entityType: type.rawValue, mode: state.mode, startedAt: state.startedAt, finishedAt: clock.now(),
            pages: state.pages, records: state.records, events: state.events, tombstones: state.tombstones)
    }

    /// Compares, fetches histories, records one page; with the pass's last page also the tombstones
    /// (full pass), the new sync token and the run record, in the same transaction.
    private func recordPage(_ page: AshbyRawPage, isLast: Bool, finalToken: String?, endpoint: AshbyEndpoint,
                            _ state: inout PassState) async throws {
        let pageNumber = state.pages + 1
        // Raw hashes first: an item whose bytes are those its state row was last made from is unchanged
        // (the row's raw hash is only ever set from bytes that normalise to the row's record).
        let seed = state.rawSeed
        var rawHashes: [ContentHash] = []
        rawHashes.reserveCapacity(page.count)
        var keyed: [(key: EntityKey, rawHash: ContentHash)] = []
        var keyedItems: [Int] = []
        keyed.reserveCapacity(page.count)
        keyedItems.reserveCapacity(page.count)
        for i in 0..<page.count {
            let rawHash = page.withBytes(ofItem: i) { ContentHash(value: XXH64.hash($0, seed: seed)) }
            rawHashes.append(rawHash)
            guard let id = page.items[i].key, !id.isEmpty else { continue }
            let key = EntityKey(state.kind, id)
            guard key.isStorable else { continue }
            keyed.append((key, rawHash))
            keyedItems.append(i)
        }
        var unchanged = [Bool](repeating: false, count: page.count)
        if !keyed.isEmpty {
            let matches: [Bool]
            do { matches = try store.matchesRawHash(keyed) } catch {
                throw wrap(error, state, page: pageNumber, step: .recording)
            }
            for (item, match) in zip(keyedItems, matches) where match { unchanged[item] = true }
        }

        // Every other item is parsed (which also checks it fully), normalised and hashed. Records without
        // a usable id cannot be keyed; Ashby always sends one, so they are skipped.
        var seenRecords: [(key: EntityKey, record: NormalizedRecord)] = []
        var newRawHashes: [EntityKey: ContentHash] = [:]
        for i in 0..<page.count {
            if unchanged[i] {
                if state.mode == .full { state.seen.insert(page.items[i].key!) }
                continue
            }
            let record: JSONValue
            do { record = try page.record(at: i) } catch {
                throw wrap(error, state, page: pageNumber, step: .fetchingPage)
            }
            guard let id = record.string("id"), !id.isEmpty else { continue }
            let key = EntityKey(state.kind, id)
            guard key.isStorable else { continue }
            if state.mode == .full { state.seen.insert(id) }
            seenRecords.append((key, normalizer.normalize(record, kind: state.kind)))
            newRawHashes[key] = rawHashes[i]
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

        // Records parsed but unchanged once normalised still get their new raw hash written, so the next
        // pass can skip them.
        var changed = differences.contains { $0.isChange } || !newRawHashes.isEmpty
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
                                   finishedAt: state.startedAt, pages: pageNumber, records: state.records + page.count,
                                   events: state.events, tombstones: state.tombstones + tombstoneCount)
            let clock = self.clock
            let runRecord: @Sendable (AppendResult) -> [CheckpointWrite] = { result in
                var run = runSoFar
                run.finishedAt = clock.now()
                run.events += result.eventCount
                return run.checkpointWrites
            }
            let finalCheckpoints = isLast ? runRecord : nil
            do {
                let store = self.store, toRecord = changed ? observations : []
                let checkpointWrites = checkpoints, fetched = histories, raw = newRawHashes
                appended = try await store.onWriterThread {
                    try store.record(toRecord, observedAt: observedAt, histories: fetched, checkpoints: checkpointWrites,
                                     finalCheckpoints: finalCheckpoints, rawHashes: raw).eventCount
                }
            } catch {
                throw wrap(error, state, page: pageNumber, step: .recording)
            }
        }
        state.pages = pageNumber
        state.records += page.count
        state.events += appended
        state.tombstones += tombstoneCount
        observer?(.page(SyncPageProgress(entityType: state.type, mode: state.mode, page: pageNumber, records: page.count,
                                         recordsInPass: state.records, events: appended,
                                         historiesFetched: histories.count)))
        if isLast, let run = try? store.lastSyncRun(entityType: state.type.rawValue) {
            observer?(.passFinished(run))
        }
    }

    /// Starts fetching the pager's next page; the task returns the page (nil when the listing is done)
    /// with the pager advanced past it.
    private static func fetchNext(_ pager: AshbyPager) -> Task<(AshbyRawPage?, AshbyPager), any Error> {
        Task {
            var pager = pager
            let page = try await pager.nextRaw()
            return (page, pager)
        }
    }

    /// The seed of a kind's raw hashes: a hash of the kind and the normaliser's volatile fields for it, so
    /// raw hashes recorded under another normaliser never match and those records take the full path.
    static func rawHashSeed(_ kind: EntityKind, _ normalizer: RecordNormalizer) -> UInt64 {
        let fields = (normalizer.volatileFields[kind] ?? []).map(\.description).joined(separator: ",")
        return ContentHash(bytes: Array("\(kind.storageCode):\(fields)".utf8)).value
    }

    /// The raw hash of a record's bytes as the API sent them (`StateRow.rawHash`) for `kind` under
    /// `normalizer`: XXH64 of the bytes, seeded with `rawHashSeed`.
    public static func rawHash(_ bytes: UnsafeRawBufferPointer, kind: EntityKind, normalizer: RecordNormalizer) -> ContentHash {
        ContentHash(value: XXH64.hash(bytes, seed: rawHashSeed(kind, normalizer)))
    }

    private func wrap(_ error: any Error, _ state: PassState, page: Int, step: SyncError.Step) -> any Error {
        if error is CancellationError || error is SyncError { return error }
        return SyncError(entityType: state.type, mode: state.mode, page: page, step: step, pagesRecorded: state.pages,
                         underlying: error)
    }
}

/// Why a sync stopped. Everything committed before the failure stays in the store; the next sync
/// continues from there (an interrupted full pass starts again from its first page, which records
/// nothing twice because unchanged records append nothing).
public struct SyncError: Error, Sendable, CustomStringConvertible {
    /// What the sync was doing.
    public enum Step: Sendable {
        case fetchingPage
        case fetchingHistory(applicationId: String)
        case fetchingStages(interviewPlanId: String)
        case recording
    }

    public var entityType: AshbyEntityType
    public var mode: SyncRun.Mode
    /// The 1-based page of the pass being fetched or recorded.
    public var page: Int
    public var step: Step
    /// Pages of this pass already recorded.
    public var pagesRecorded: Int
    public var underlying: any Error

    public init(entityType: AshbyEntityType, mode: SyncRun.Mode, page: Int, step: Step, pagesRecorded: Int,
                underlying: any Error) {
        self.entityType = entityType
        self.mode = mode
        self.page = page
        self.step = step
        self.pagesRecorded = pagesRecorded
        self.underlying = underlying
    }

    public var description: String {
        let doing: String
        switch step {
        case .fetchingPage: doing = "fetching page \(page)"
        case .fetchingHistory(let id): doing = "fetching the stage history of application \(id) (page \(page))"
        case .fetchingStages(let id): doing = "fetching the stages of interview plan \(id)"
        case .recording: doing = "recording page \(page)"
        }
        let kept = pagesRecorded == 0 ? "nothing of this pass was recorded yet"
                                       : "\(pagesRecorded) page\(pagesRecorded == 1 ? "" : "s") of this pass are recorded and kept"
        let what: String
        if let ashby = underlying as? AshbyError, ashby.isAuthenticationFailure {
            what = "Fix the API key, then run `hireledger sync` again."
        } else if let ashby = underlying as? AshbyError, case .missingPermission = ashby {
            what = "Grant the permission, then run `hireledger sync` again."
        } else {
            what = "Run `hireledger sync` again to continue; "
                + (mode == .full ? "the full pass of \(entityType.rawValue) starts again from its first page."
                                 : "the incremental pass resumes from the last stored sync token.")
        }
        return "sync of \(entityType.rawValue) (\(mode.rawValue) pass) stopped while \(doing): \(underlying). "
            + "Everything recorded before is kept (\(kept)). \(what)"
    }
}

/// How `SyncService.sync` runs.
public struct SyncOptions: Sendable {

    /// Full passes for every type, ignoring stored sync tokens (`hireledger sync --full`). Only full
    /// passes find deletions.
    public var forceFull: Bool
    /// The types to sync, run in `SyncPlan.order` whatever order they are given in.
    public var types: Set<AshbyEntityType>
    /// `limit` per list page (Ashby's maximum is 100).
    public var pageSize: Int
    /// Read `application.listHistory` for applications that first appear after the first completed
    /// pass of applications, so moves they made before the next poll are recorded with their real
    /// times. (On the first pass, history is left to `HistoryBackfill`: one request per application.)
    public var historyForNewApplications: Bool
    /// Do a full pass of a type when its last full pass is at least this many days old (by the sync's
    /// clock), so deletions are found without asking; nil: only when forced or when Ashby refuses the
    /// token. Default 7.
    public var fullPassIntervalDays: Int?

    public init(forceFull: Bool = false, types: Set<AshbyEntityType> = Set(SyncPlan.order),
                pageSize: Int = AshbyEndpoint.maximumPageSize, historyForNewApplications: Bool = true,
                fullPassIntervalDays: Int? = 7) {
        self.fullPassIntervalDays = fullPassIntervalDays
        self.forceFull = forceFull
        self.types = types
        self.pageSize = pageSize
        self.historyForNewApplications = historyForNewApplications
    }
}

/// What `SyncService.sync(_:)` did.
public struct SyncReport: Sendable {
    /// One run per synced type, in sync order.
    public var runs: [SyncRun]
    /// The first position this sync could have appended at, and the log's last position after it;
    /// `appendedEvents` is 0 when nothing changed.
    public var firstPosition: LogPosition
    public var lastPosition: LogPosition

    public var appendedEvents: Int { lastPosition >= firstPosition ? Int(lastPosition.value - firstPosition.value) + 1 : 0 }
}

/// What `SyncService` reports while it runs, for a progress display (the library prints nothing).
public enum SyncProgress: Sendable {
    /// A pass of one entity type begins.
    case passStarted(entityType: AshbyEntityType, mode: SyncRun.Mode)
    /// Ashby refused the stored sync token (`reason` says why); the token was dropped and a full pass
    /// of the type follows.
    case fellBackToFull(entityType: AshbyEntityType, reason: String)
    /// One page was fetched and recorded.
    case page(SyncPageProgress)
    /// A pass finished (after its tombstones, for a full pass).
    case passFinished(SyncRun)
}

/// Receives `SyncProgress`; called on the syncing task, so it must be quick and must not block.
public typealias SyncObserver = @Sendable (SyncProgress) -> Void

/// One recorded page.
public struct SyncPageProgress: Sendable, Hashable {
    public var entityType: AshbyEntityType
    public var mode: SyncRun.Mode
    /// 1-based page number within the pass.
    public var page: Int
    /// Records on this page, and in the pass so far.
    public var records: Int
    public var recordsInPass: Int
    /// Events this page appended (0 when nothing changed: then no write transaction was opened).
    public var events: Int
    /// Application histories fetched for this page.
    public var historiesFetched: Int
}
