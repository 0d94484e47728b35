import AshbyAPI
import HireLedgerCore

/// Syncs an Ashby account into a `LedgerStore` (docs/ARCHITECTURE.md §5).
///
/// Each entity type of `SyncPlan.order` gets one pass: incremental when a `syncToken` is stored and
/// the endpoint takes one, full otherwise (or with `SyncOptions.forceFull`). A refused token (any code of
/// `AshbyError.refusedTokenCode`) is dropped and a full pass of that type follows, once; a cursor refused
/// during a full pass restarts that pass from its first page, once. A refusal on that second pass is an
/// error (`SyncError.repeatedRefusal`). Each run records why it was a full pass (`SyncRun.fullPassReason`).
///
/// Source: with `SyncOptions.source` set, the store is bound to that source on its first sync and a sync
/// from any other source is refused before anything is written (`SourceMismatchError`).
///
/// Permissions: a type whose endpoint answers `missing_endpoint_permission` is skipped (recorded as a
/// `SkippedType` until a later pass of it completes) and the other types are synced; an invalid key
/// still stops the sync.
///
/// Per page: fetch (no transaction open), then skip every record whose bytes are exactly those the
/// state index last recorded for it (its raw hash, `StateRow.rawHash`: one read transaction, no
/// parsing); parse, normalise and hash the others and compare them with the state index in a read
/// transaction, fetch `application.listHistory` for every application that changed at all, unless it
/// cannot change what is recorded (`historyCanAddMoves`; so moves between two polls, A→B→A included, are
/// recorded with their real `enteredStageAt`, flagged backfilled), concurrently within the sync's
/// `RequestBudget` (`SyncOptions.maxConcurrentRequests`) while the listing goes on, then hold the page's
/// changes (the transaction that records them waits for those histories). Held pages are
/// recorded in ONE write transaction (`LedgerStore.record`) once they reach `SyncOptions.transactionBytes`
/// or `transactionSeconds`, and always with the pass's last page: events, state, indexes and, with the
/// last page, the new `syncToken` and run record. Pages without changes add nothing to a transaction.
/// A transaction commits on the writer thread while the next pages are fetched, parsed and compared
/// (one in flight at a time; the next waits for it). A pass's last transaction commits while the next
/// pass of the same sync fetches and compares its first pages (`Commit`): that pass waits for it before
/// it writes anything or reads another type's records (the interview plans, a confidential job), so
/// transactions still commit in pass order and each pass sees every earlier one; `sync(_:)` returns,
/// or throws, only once every transaction it started has committed or failed. Each type is listed by a
/// task of its own (`Listing`), a page ahead of its pass, and the next `SyncOptions.listingWindow` types'
/// listings start when a pass starts (one more once it has its last page; `PlannedListing`, at low priority,
/// within the sync's one `RequestBudget`): cursor pagination allows one request per type at a time, so
/// this is what keeps several requests on the wire, and their waits overlap the passes' work. On a daily
/// sync most passes are one page.
/// A full pass tracks the ids it saw and, only once complete, tombstones the live
/// records it did not see (reason `absent_from_full_sync`; for a candidate whose applications another
/// candidate now lists, `merged` into that one, so `candidate.merged` is recorded with `mergedInto`); a full
/// pass cut short records no deletion.
///
/// Crash safety: a sync killed at any instant leaves the store as of its last commit (held pages are
/// lost with the process). The next sync re-reads what was not committed (from the stored token, or
/// from the first page of a full pass);
/// unchanged records append nothing, so nothing is duplicated and nothing lost.
///
/// Memory: one page at a time, plus the changed records held for the next write transaction and those
/// of the one committing (each up to `SyncOptions.transactionBytes`) and the ids seen in the current full pass.
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
    /// How long list replies take, across this service's syncs (`SyncOptions.slowReply`).
    let replyPace = ReplyPace()

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
        var notes: [String] = []
        if let source = options.source { notes += try await checkSource(source) }
        var runs: [SyncRun] = []
        var skipped: [SkippedType] = []
        // Passes whose last transaction may still be committing, in pass order (each waits for the one before).
        var commits: [Commit] = []
        // One budget for the whole sync: the next type's first page shares it with this pass's requests.
        let client = budgeted(options)
        let types = SyncPlan.order.filter { options.types.contains($0) }
        // The listings of the next types, fetched while the passes before them run (`SyncOptions.listingWindow`).
        var prefetched: [AshbyEntityType: PlannedListing] = [:]
        // No type synced yet: every record will be new.
        let firstSync = try types.allSatisfy { try store.lastSyncRun(entityType: $0.rawValue) == nil }
        defer { for ahead in prefetched.values { ahead.listing.cancel() } }
        func listAhead(after i: Int, through last: Int) {
            let end = min(last, types.count - 1)
            guard i + 1 <= end else { return }
            for next in types[(i + 1)...end] where prefetched[next] == nil {
                if let first = plannedListing(next, options: options, client: client) { prefetched[next] = first }
            }
        }
        do {
            for (i, type) in types.enumerated() {
                let first = prefetched.removeValue(forKey: type)
                if let parent = type.parent, skipped.contains(where: { $0.entityType == parent.rawValue }) {
                    // Listed per parent record, with the parent's permission: skipped with it.
                    first?.listing.cancel()
                    let skip = SkippedType(entityType: type.rawValue, permission: type.listEndpoint.permission, at: clock.now())
                    try await recordSkip(skip)
                    skipped.append(skip)
                    continue
                }
                // The next types' listings start now; once this one has its last page, one more.
                // While replies are slow, or on any sync but the store's first; a first sync from a fast source
                // (loopback) is CPU-bound, and the listings ahead cost it about 5 %: there the next type's
                // listing starts once this one is listed.
                let slow = !firstSync || replyPace.isSlow(options.slowReply)
                if slow { listAhead(after: i, through: i + options.listingWindow) }
                // The pass has taken all it needs of its listing when it returns or throws; a pass that failed
                // before reading it must not leave its task waiting for room.
                defer { first?.listing.cancel() }
                do {
                    commits.append(try await startSync(type, options: options, client: client, first: first, after: commits.last) {
                        listAhead(after: i, through: i + (slow ? options.listingWindow + 1 : 1))
                    })
                } catch let error as SyncError {
                    guard case .missingPermission(let permission, _, _)? = error.underlying as? AshbyError else { throw error }
                    let skip = SkippedType(entityType: type.rawValue, permission: permission ?? type.listEndpoint.permission, at: clock.now())
                    try await recordSkip(skip)
                    skipped.append(skip)
                }
            }
            for commit in commits { runs.append(try await Self.value(of: commit)) }
        } catch {
            // Nothing of this sync is still being written when the error reaches the caller; an earlier
            // pass's failed commit is the failure to report (a later pass stopped because of it).
            for commit in commits {
                if case .failure(let failure) = await commit.result { throw failure }
            }
            throw error
        }
        let hidden = try store.hiddenRecords()
        if !hidden.isEmpty {
            let counts = hidden.sorted { $0.key.wireName < $1.key.wireName }.map { "\($0.value.count) \($0.key.wireName)" }
            notes.append("\(counts.joined(separator: ", ")) record(s) of confidential jobs are no longer listed for this key: kept "
                + "as last seen and marked hidden, not deleted. If the key's 'Allow access to confidential jobs and projects' "
                + "was turned off, turn it on again (Ashby: Admin → Integrations → API Keys)")
        }
        return SyncReport(runs: runs, firstPosition: before.next, lastPosition: try store.lastPosition, skipped: skipped,
                          notes: notes)
    }

    private func recordSkip(_ skip: SkippedType) async throws {
        let store = self.store
        try await store.onWriterThread { try store.setCheckpoints([SkippedType.checkpoint(skip.entityType, skip)]) }
        observer?(.skipped(skip))
    }

    /// Binds an unbound store to `source`, or checks that a bound one belongs to it. Returns notes for
    /// the summary; throws `SourceMismatchError` (having written nothing) for another source.
    private func checkSource(_ source: SyncSource) async throws -> [String] {
        let store = self.store
        guard let bound = try store.boundSource() else {
            // A store from before binding: its log can still betray a real account behind it. The embedded
            // simulator's clock is simulated time; a log observed after it came from somewhere else.
            if case .simulator = source, let last = try store.status().lastObservedAt, last > clock.now() {
                throw SourceMismatchError(storePath: store.path, bound: nil, attempted: source,
                    reason: "its last event was observed at \(last.iso8601), after the simulator's clock (\(clock.now().iso8601)), "
                        + "so it was not made by this simulator; most likely a real Ashby account")
            }
            try await store.onWriterThread { try store.bind(to: source) }
            return ["the store is now bound to \(source)"]
        }
        switch source.match(bound: bound) {
        case .same: return []
        case .refines:
            try await store.onWriterThread { try store.bind(to: source) }
            return ["the store's source is now identified as \(source)"]
        case .unverifiable:
            return ["could not confirm that this key reads the store's account (\(bound)): it may read neither "
                + "feedback forms (Hiring Process Metadata: Read) nor brands (Organization: Read); run `hireledger doctor`"]
        case .different:
            throw SourceMismatchError(storePath: store.path, bound: bound, attempted: source, reason: nil)
        }
    }

    /// One pass of one entity type, falling back to a full pass when Ashby refuses the stored token.
    @discardableResult
    public func sync(_ type: AshbyEntityType, options: SyncOptions = SyncOptions()) async throws -> SyncRun {
        try await Self.value(of: startSync(type, options: options, client: budgeted(options), first: nil, after: nil, whenListed: {}))
    }

    /// The client with a request budget (`SyncOptions.maxConcurrentRequests`), unless it has one already.
    private func budgeted(_ options: SyncOptions) -> AshbyClient {
        client.requestBudget != nil ? client
            : client.withRequestBudget(RequestBudget(maxConcurrentRequests: options.maxConcurrentRequests,
                                                     startingConcurrentRequests: SyncOptions.startingConcurrentRequests,
                                                     clock: client.clock))
    }

    /// A pass's listing, started before the pass, and the plan it was started under.
    private struct PlannedListing {
        let type: AshbyEntityType
        let token: String?
        let reason: String?
        let listing: Listing
    }

    /// Starts listing `type` now, under the plan its pass will follow; nil for a type not listed by
    /// pages (interview stages), or when the plan cannot be read (the pass then reports why).
    private func plannedListing(_ type: AshbyEntityType, options: SyncOptions, client: AshbyClient) -> PlannedListing? {
        guard type != .interviewStages, SyncPlan.kind(of: type) != nil, let plan = try? plan(type, options: options) else {
            return nil
        }
        let pager = client.pager(type.listEndpoint, syncToken: plan.token, pageSize: options.pageSize)
        return PlannedListing(type: type, token: plan.token, reason: plan.reason,
                              listing: listing(pager, options, priority: .low))
    }

    /// Starts a listing of `pager` with the options' bounds and this service's reply pace.
    private func listing(_ pager: AshbyPager, _ options: SyncOptions, priority: TaskPriority? = nil) -> Listing {
        Listing(pager, aheadBytes: options.listingAheadBytes, slowAheadBytes: options.listingAheadBytesWhenSlow,
                pace: replyPace, slowReply: options.slowReply, priority: priority)
    }

    /// A pass's last write transaction, committing on the writer thread, and then the pass's run.
    private typealias Commit = Task<SyncRun, any Error>

    /// `sync(_:options:)` after `previous` (the previous pass's `Commit`, maybe still committing): returns
    /// once the pass has fetched and compared everything, with its last transaction committing.
    /// `whenListed` is called once the pass has its last page (the next pass's first may be requested then).
    private func startSync(_ type: AshbyEntityType, options: SyncOptions, client: AshbyClient, first: PlannedListing?,
                           after previous: Commit?, whenListed: () -> Void) async throws -> Commit {
        precondition(SyncPlan.kind(of: type) != nil, "\(type) is not a list of records")
        let endpoint = type.listEndpoint
        let (token, reason) = try first.map { ($0.token, $0.reason) } ?? plan(type, options: options)
        guard let token else {
            return try await fullPass(type, options: options, client: client, first: first, reason: reason, afterRefusal: false,
                                      after: previous, whenListed: whenListed)
        }
        do {
            return try await pass(type, token: token, options: options, client: client, first: first, reason: nil, after: previous,
                                  whenListed: whenListed)
        } catch let error as SyncError {
            // Only a listing request's refusal: every page of an incremental pass carries the token.
            guard case .fetchingPage = error.step, let ashby = error.underlying as? AshbyError,
                  let code = ashby.refusedTokenCode else { throw error }
            let store = self.store
            if let previous { _ = try await Self.value(of: previous) }
            try await store.onWriterThread { try store.setCheckpoints([.syncToken(nil, endpoint: endpoint.method)]) }
            let why = "Ashby refused the stored sync token (\(code)); dropped it and listed every record"
            observer?(.fellBackToFull(entityType: type, reason: why))
            return try await fullPass(type, options: options, client: client, first: nil, reason: why, afterRefusal: true,
                                      after: previous, whenListed: whenListed)
        }
    }

    /// The pass `type` is due: incremental from its stored `syncToken` (the token), or full, and why.
    private func plan(_ type: AshbyEntityType, options: SyncOptions) throws -> (token: String?, reason: String?) {
        let endpoint = type.listEndpoint
        var token = options.forceFull || !endpoint.supportsSyncToken ? nil : try store.syncToken(endpoint: endpoint.method)
        var reason: String?
        if options.forceFull { reason = "full pass requested" }
        else if !endpoint.supportsSyncToken { reason = "\(endpoint.method) has no incremental sync" }
        else if token == nil { reason = "no stored sync token" }
        // Incremental passes never see deletions, so a type whose last full pass is older than the
        // interval gets a full one (and the tombstones it finds).
        if token != nil, let days = options.fullPassIntervalDays {
            let lastFull = try store.lastFullSyncRun(entityType: type.rawValue)?.finishedAt
            if lastFull.map({ $0.adding(days: days) <= clock.now() }) ?? true {
                token = nil
                reason = "the last full pass is \(days) or more days old (deletion check)"
            }
        }
        // Small enough to list whole on every sync (unchanged records are skipped by their raw hash): a
        // full pass, so deletions and merges are found at the next sync, not days later.
        if token != nil, let limit = options.deletionCheckMaxRecords,
           let listed = try store.lastFullSyncRun(entityType: type.rawValue)?.records, listed <= limit {
            token = nil
            reason = "deletion check on every sync (\(listed) records at the last full pass, at most \(limit))"
        }
        return (token, reason)
    }

    /// A full pass; a cursor Ashby refuses part-way (any `refusedTokenCode`) restarts it from the first
    /// page, once. After a refusal (`afterRefusal`, or that restart) a further one is
    /// `SyncError.repeatedRefusal`: running again would not help.
    private func fullPass(_ type: AshbyEntityType, options: SyncOptions, client: AshbyClient, first: PlannedListing?, reason: String?,
                          afterRefusal: Bool, after previous: Commit?, whenListed: () -> Void) async throws -> Commit {
        do {
            return try await pass(type, token: nil, options: options, client: client, first: first, reason: reason, after: previous,
                                  whenListed: whenListed)
        } catch var error as SyncError {
            // A cursor was sent from page 2 on; a refusal of page 1 is about something else.
            guard case .fetchingPage = error.step, error.page > 1, let ashby = error.underlying as? AshbyError,
                  let code = ashby.refusedTokenCode else { throw error }
            if afterRefusal {
                error.repeatedRefusal = true
                throw error
            }
            let why = "Ashby refused the listing's cursor (\(code)) on page \(error.page); listed again from the first page"
            observer?(.fellBackToFull(entityType: type, reason: why))
            return try await fullPass(type, options: options, client: client, first: nil, reason: why, afterRefusal: true,
                                      after: previous, whenListed: whenListed)
        }
    }

    // MARK: - One pass

    private struct PassState {
        let type: AshbyEntityType
        let kind: EntityKind
        let mode: SyncRun.Mode
        let startedAt: Timestamp
        /// The client with the sync's request budget (`SyncOptions.maxConcurrentRequests`).
        let client: AshbyClient
        /// When held changes are due for a write transaction (`SyncOptions`).
        let transactionBytes: Int
        let transactionSeconds: Double
        var pages = 0
        var records = 0
        var events = 0
        var tombstones = 0
        /// Ids seen in a full pass.
        var seen = EntityIDSet()
        /// Whether applications new to the store get their history read.
        var historyForNew = false
        /// The seed of this kind's raw hashes (`rawHashSeed`).
        var rawSeed: UInt64 = 0
        /// Whether this kind's raw hashes leave `handle` values out (`RawRecordHash`).
        var maskHandles = false
        /// Why a full pass (`SyncRun.fullPassReason`).
        var reason: String?
        /// Records of a full pass kept live as hidden from the key (`isConfidential`).
        var hidden = 0
        /// Changed pages not recorded yet, and since when (`SyncOptions.transactionBytes`).
        var pending = PendingPages()
        var pendingSince: ContinuousClock.Instant?
        /// Pages of this pass whose changes are committed (all before it too).
        var committedPages = 0
        /// The write transaction committing on the writer thread while the next pages are fetched and
        /// compared (at most one at a time), and the last page it holds.
        var writing: (task: Task<Int, any Error>, lastPage: Int)?
        /// Candidates pass: application id → the candidate that lists it, for every candidate parsed in
        /// this pass (a merge's survivor changed, so it is among them): tells a merge from a deletion.
        var applicationOwners: [String: String] = [:]
        /// The previous pass's last transaction, maybe still committing, and whether it is over.
        var previous: Commit?
        var previousSettled = false
        /// This pass's last transaction, once its last page is compared.
        var commit: Commit?
        /// Classifies the pass's new records ahead of their transaction (`SyncOptions.classifyNewRecordsAhead`).
        var preparer: CreationPreparer?
    }

    /// Changes of pages held for one write transaction.
    private struct PendingPages {
        var observations: [Observation] = []
        /// The application histories of held pages, being fetched, in page order. Their transaction waits
        /// for them (`collectHistories`), not the listing: it goes on meanwhile.
        var historyFetches: [HistoryFetch] = []
        var rawHashes: [EntityKey: ContentHash] = [:]
        /// The held new records' domain events, classified ahead (`PreparedCreation`).
        var prepared: [EntityKey: PreparedCreation] = [:]
        /// Canonical bytes of the records held.
        var bytes = 0
        var isEmpty: Bool { observations.isEmpty }
    }

    /// The histories one page asked for, being fetched (`fetchHistories`).
    private struct HistoryFetch: Sendable {
        let page: Int
        let task: Task<[String: [JSONValue]], any Error>
    }

    private func pass(_ type: AshbyEntityType, token: String?, options: SyncOptions, client: AshbyClient, first: PlannedListing?,
                      reason: String?, after previous: Commit?, whenListed: () -> Void) async throws -> Commit {
        let kind = SyncPlan.kind(of: type)!
        // `client` carries the sync's request budget: the page read ahead, the application histories and
        // the next pass's first page share it, and a rate-limited reply pauses all of them.
        var state = PassState(type: type, kind: kind, mode: token == nil ? .full : .incremental, startedAt: clock.now(),
                              client: client, transactionBytes: options.transactionBytes,
                              transactionSeconds: options.transactionSeconds)
        state.reason = token == nil ? reason : nil
        state.previous = previous
        if options.classifyNewRecordsAhead { state.preparer = CreationPreparer(store: store) }
        state.rawSeed = Self.rawHashSeed(kind, normalizer)
        state.maskHandles = RawRecordHash.masksHandles(kind, normalizer)
        if type == .applications {
            state.historyForNew = try options.historyForNewApplications && store.lastSyncRun(entityType: type.rawValue) != nil
        }
        observer?(.passStarted(entityType: type, mode: state.mode))
        let endpoint = type.listEndpoint

        do {
            try await readPages(type, token: token, options: options, endpoint: endpoint, first: first, whenListed: whenListed, &state)
        } catch {
            // Histories of pages that will not be recorded now are not needed.
            for fetch in state.pending.historyFetches { fetch.task.cancel() }
            state.pending.historyFetches = []
            // A write still in flight commits (or fails) on its own; the error reaches the caller only once
            // it is over, so nothing of this pass is still being written then, and says what it committed.
            guard let writing = state.writing else { throw error }
            // Through `value(of:)`: a cancelled sync (whatever error its cancellation surfaced as) cancels
            // the write too, which may still be waiting for its pages' histories.
            do { _ = try await Self.value(of: writing.task) } catch let writeError {
                // The earlier pages could not be recorded either: that is the failure to report first.
                throw wrap(writeError, state, page: writing.lastPage, step: .recording)
            }
            guard var failure = error as? SyncError else { throw error }
            failure.pagesRecorded = max(failure.pagesRecorded, writing.lastPage)
            throw failure
        }
        // Made with the last page; a pass always ends with one (an empty listing is one empty page).
        guard let commit = state.commit else { preconditionFailure("a pass ended without its last page") }
        return commit
    }

    /// Waits for the previous pass's last transaction, once: before this pass writes, or reads another
    /// type's records. Its failure is rethrown as it is (it names that pass).
    private func settlePrevious(_ state: inout PassState) async throws {
        guard !state.previousSettled else { return }
        state.previousSettled = true
        if let previous = state.previous { _ = try await Self.value(of: previous) }
    }

    /// Fetches the pass's pages (the next one while this one is recorded) and records them in order.
    private func readPages(_ type: AshbyEntityType, token: String?, options: SyncOptions, endpoint: AshbyEndpoint,
                           first: PlannedListing?, whenListed: () -> Void, _ state: inout PassState) async throws {
        let client = state.client
        if type == .interviewStages {
            // Listed per plan, without pages or tokens: one "page" per live plan (as the plans pass recorded them).
            try await settlePrevious(&state)
            let plans = try store.liveKeys(of: .interviewPlan)
            // Fetched up to the request budget's number at once, a plan or more ahead of the one being
            // recorded (one request after another, a daily sync spent most of this pass waiting); recorded in
            // plan order, and the first failure in that order is the one reported.
            let ahead = max(1, client.requestBudget?.maxConcurrentRequests ?? 1)
            var fetching: [Task<[JSONValue], any Error>] = []
            defer { for task in fetching { task.cancel() } }
            var started = 0
            for (i, plan) in plans.enumerated() {
                while started < plans.count, started < i + ahead {
                    let id = plans[started].id
                    fetching.append(Task { try await client.interviewStages(interviewPlanId: id) })
                    started += 1
                }
                let records: [JSONValue]
                do {
                    records = try await Self.value(of: fetching.removeFirst())
                } catch {
                    throw wrap(error, state, page: state.pages + 1, step: .fetchingStages(interviewPlanId: plan.id))
                }
                if i == plans.count - 1 { whenListed() }
                // Written canonically into a page of their own: their raw hashes are then of those bytes.
                let page = AshbyRawPage(endpoint: endpoint.method, records: records, moreDataAvailable: false)
                try await recordPage(page, isLast: i == plans.count - 1, finalToken: nil, endpoint: endpoint, &state)
            }
            if plans.isEmpty {
                whenListed()
                let empty = AshbyRawPage(endpoint: endpoint.method, records: [], moreDataAvailable: false)
                try await recordPage(empty, isLast: true, finalToken: nil, endpoint: endpoint, &state)
            }
        } else {
            // The next pages are fetched while this one is compared and recorded (`Listing`, up to
            // `SyncOptions.listingAheadBytes` ahead): Ashby's response time and our hashing and LMDB work
            // overlap instead of adding up. Pages are still recorded strictly in order, and a failure drops
            // the pages fetched ahead (nothing of them was recorded).
            let listing = first?.listing ?? self.listing(client.pager(endpoint, syncToken: token, pageSize: options.pageSize), options)
            defer { listing.cancel() }
            while true {
                let item: Listing.Item
                do { item = try await listing.next() } catch {
                    throw wrap(error, state, page: state.pages + 1, step: .fetchingPage)
                }
                guard let page = item.page else { break }
                if item.isLast { whenListed() }
                try await recordPage(page, isLast: item.isLast, finalToken: item.finalToken, endpoint: endpoint, &state)
                if item.isLast { break }
            }
        }
    }

    /// Waits for the write transaction in flight, if any (or else the previous pass's last one), and
    /// counts it as committed; returns its events.
    private func finishWrite(_ state: inout PassState) async throws -> Int {
        try await settlePrevious(&state)
        guard let writing = state.writing else { return 0 }
        state.writing = nil
        let events: Int
        do { events = try await Self.value(of: writing.task) } catch {
            throw wrap(error, state, page: writing.lastPage, step: .recording)
        }
        state.committedPages = writing.lastPage
        state.events += events
        return events
    }

    /// A candidate's `applicationIds`, all a full pass reads of it besides its normalised record.
    private static let applicationIdsOnly = JSONSelection.only(["applicationIds"])

    /// Compares, fetches histories, records one page; with the pass's last page also the tombstones
    /// (full pass), the new sync token and the run record, in the same transaction.
    private func recordPage(_ page: AshbyRawPage, isLast: Bool, finalToken: String?, endpoint: AshbyEndpoint,
                            _ state: inout PassState) async throws {
        let pageNumber = state.pages + 1
        // Raw hashes first: an item whose bytes are those its state row was last made from is unchanged
        // (the row's raw hash is only ever set from bytes that normalise to the row's record).
        let seed = state.rawSeed, maskHandles = state.maskHandles
        var rawHashes: [ContentHash] = []
        rawHashes.reserveCapacity(page.count)
        var keyed: [(key: EntityKey, rawHash: ContentHash)] = []
        var keyedItems: [Int] = []
        keyed.reserveCapacity(page.count)
        keyedItems.reserveCapacity(page.count)
        for i in 0..<page.count {
            let rawHash = page.withBytes(ofItem: i) { RawRecordHash.hash($0, seed: seed, maskHandles: maskHandles) }
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
            // Straight from the bytes when it can (`RecordNormalizer.normalize(bytes:kind:)`); otherwise, and to
            // report what is wrong with them, through a tree.
            let id: String
            let normalized: NormalizedRecord
            if let itemId = page.items[i].key, !itemId.isEmpty,
               let fromBytes = page.withBytes(ofItem: i, { normalizer.normalize(bytes: $0, kind: state.kind) }) {
                (id, normalized) = (itemId, fromBytes)
            } else {
                let record: JSONValue
                do { record = try page.record(at: i) } catch {
                    throw wrap(error, state, page: pageNumber, step: .fetchingPage)
                }
                guard let recordId = record.string("id"), !recordId.isEmpty else { continue }
                (id, normalized) = (recordId, normalizer.normalize(record, kind: state.kind))
            }
            let key = EntityKey(state.kind, id)
            guard key.isStorable else { continue }
            if state.mode == .full { state.seen.insert(id) }
            if state.kind == .candidate, state.mode == .full {
                let owned = page.withBytes(ofItem: i) { try? JSONValue.parse($0, selecting: Self.applicationIdsOnly) }
                for application in owned?["applicationIds"]?.arrayValue ?? [] {
                    if let applicationId = application.stringValue { state.applicationOwners[applicationId] = id }
                }
            }
            seenRecords.append((key, normalized))
            newRawHashes[key] = rawHashes[i]
        }
        var observations = seenRecords.map { Observation.seen($0.key, $0.record) }
        let differences: [ObservedDifference]
        do {
            differences = try store.compare(seenRecords.map { ($0.key, $0.record.hash) })
        } catch {
            throw wrap(error, state, page: pageNumber, step: .recording)
        }

        // Application histories for stage moves (and new applications after the first pass), fetched
        // concurrently within the pass's request budget while the listing goes on; the page is recorded
        // once all are in (`collectHistories`), so what is recorded does not depend on the order the
        // replies arrive in.
        var historyFetch: HistoryFetch?
        var historiesWanted = 0
        var historiesSkipped = 0
        var historyFetchedFor: Set<String> = []
        if state.kind == .application {
            var wanted: [String] = []
            for ((key, record), difference) in zip(seenRecords, differences) {
                let previous: JSONValue?
                switch difference {
                case .unchanged: continue
                case .new:
                    guard state.historyForNew else { continue }
                    previous = nil
                case .changed(let p), .restored(let p): previous = p
                }
                if Self.historyCanAddMoves(previous: previous, current: record.value) {
                    wanted.append(key.id)
                } else {
                    historiesSkipped += 1
                }
            }
            historiesWanted = wanted.count
            historyFetchedFor = Set(wanted)
            if !wanted.isEmpty {
                let client = state.client, limiter = historyRateLimiter
                historyFetch = HistoryFetch(page: pageNumber, task: Task {
                    try await Self.fetchHistories(wanted, client: client, limiter: limiter)
                })
            }
        }

        // New records are classified here, off the writer thread (`PreparedCreation`); not those whose history
        // is being fetched, which their classification reads.
        var prepared: [EntityKey: PreparedCreation] = [:]
        if let preparer = state.preparer {
            var new: [(key: EntityKey, record: NormalizedRecord)] = []
            for (seen, difference) in zip(seenRecords, differences) where difference == .new && !historyFetchedFor.contains(seen.key.id) {
                new.append(seen)
            }
            do { prepared = try preparer.prepare(new) } catch {
                throw wrap(error, state, page: pageNumber, step: .recording)
            }
        }

        // Records parsed but unchanged once normalised still get their new raw hash written, so the next
        // pass can skip them.
        let changed = differences.contains { $0.isChange } || !newRawHashes.isEmpty
        if changed {
            // Held until the transaction is due (`SyncOptions.transactionBytes`/`transactionSeconds`, or the
            // pass's last page): pages are recorded in order, several to a transaction.
            if state.pending.isEmpty { state.pendingSince = ContinuousClock.now }
            state.pending.observations += observations
            if let historyFetch { state.pending.historyFetches.append(historyFetch) }
            state.pending.rawHashes.merge(newRawHashes) { _, new in new }
            state.pending.prepared.merge(prepared) { _, new in new }
            state.pending.bytes += seenRecords.reduce(0) { $0 + $1.record.canonicalBytes.count }
            observations = []
        }
        var checkpoints: [CheckpointWrite] = []
        var tombstoneCount = 0
        // Events committed during this call (by the write in flight and by this page's own).
        var appended = 0
        if isLast {
            // What is live is read from the store below: every earlier page must be in it.
            appended += try await finishWrite(&state)
            if state.mode == .full {
                let absent = try store.liveKeys(of: state.kind, notIn: state.seen)
                // A confidential job (and what belongs to it) missing from the listing is most likely hidden
                // by the key's confidential-jobs toggle, not deleted: kept live and marked hidden.
                var hidden: [EntityKey] = []
                for key in absent {
                    if try isConfidential(key) { hidden.append(key); continue }
                    state.pending.observations.append(.absent(key, try deletionReason(key, state)))
                }
                tombstoneCount = absent.count - hidden.count
                checkpoints += try store.hiddenCheckpoints(kind: state.kind, hidden: hidden, at: clock.now())
                state.hidden = hidden.count
            }
            if endpoint.supportsSyncToken {
                checkpoints.append(.syncToken(finalToken, endpoint: endpoint.method))
            }
            // The type is readable again: forget an earlier skip.
            checkpoints.append(SkippedType.checkpoint(state.type.rawValue, nil))
        }

        let due = isLast || state.pending.bytes >= state.transactionBytes
            || state.pendingSince.map { ContinuousClock.now - $0 >= .milliseconds(Int64(state.transactionSeconds * 1000)) } == true
        if due && (!state.pending.isEmpty || isLast) {
            // Transactions commit in page order: the one in flight first.
            appended += try await finishWrite(&state)
            let observedAt = clock.now()
            // With the last page, the run record goes into the same transaction; its event count
            // includes this page's, known only inside, so it is made from the append's result there.
            let runSoFar = SyncRun(entityType: state.type.rawValue, mode: state.mode, startedAt: state.startedAt,
                                   finishedAt: state.startedAt, pages: pageNumber, records: state.records + page.count,
                                   events: state.events, tombstones: state.tombstones + tombstoneCount,
                                   fullPassReason: state.reason)
            let clock = self.clock
            let runRecord: @Sendable (AppendResult) -> [CheckpointWrite] = { result in
                var run = runSoFar
                run.finishedAt = clock.now()
                run.events += result.eventCount
                return run.checkpointWrites
            }
            let finalCheckpoints = isLast ? runRecord : nil
            let store = self.store, pending = state.pending, checkpointWrites = isLast ? checkpoints : []
            let type = state.type, mode = state.mode, recordedBefore = state.committedPages
            // The held pages' histories are waited for here, in the task, so the listing (and with the last
            // page, the next pass) goes on while they arrive.
            let write: @Sendable () async throws -> Int = {
                let histories = try await Self.collectHistories(pending.historyFetches, type, mode, pagesRecorded: recordedBefore)
                return try await store.onWriterThread {
                    try store.record(pending.observations, observedAt: observedAt, histories: histories,
                                     checkpoints: checkpointWrites, finalCheckpoints: finalCheckpoints,
                                     rawHashes: pending.rawHashes, prepared: pending.prepared).eventCount
                }
            }
            state.pending = PendingPages()
            state.pendingSince = nil
            if isLast {
                // Committed on the writer thread while the next pass starts (`Commit`); the page's progress
                // and the pass's end are reported once it is.
                let progress = SyncPageProgress(entityType: state.type, mode: state.mode, page: pageNumber, records: page.count,
                                                recordsInPass: state.records + page.count, events: appended,
                                                historiesFetched: historiesWanted, historiesSkipped: historiesSkipped)
                let observer = self.observer
                let fallback = SyncRun(entityType: type.rawValue, mode: state.mode, startedAt: state.startedAt,
                                       finishedAt: state.startedAt, pages: pageNumber, records: state.records + page.count,
                                       events: state.events, tombstones: state.tombstones + tombstoneCount,
                                       fullPassReason: state.reason)
                state.commit = Task {
                    var committed = progress
                    do { committed.events += try await write() } catch {
                        throw Self.wrap(error, type, mode, page: pageNumber, step: .recording, pagesRecorded: recordedBefore)
                    }
                    observer?(.page(committed))
                    // Written in that transaction; a pass always writes its run with its last page.
                    let run = try store.lastSyncRun(entityType: type.rawValue) ?? fallback
                    observer?(.passFinished(run))
                    return run
                }
            } else {
                // Committed on the writer thread while the next pages are fetched, parsed and compared: the
                // two overlap on two cores instead of taking turns (measured in the README's sync figures).
                // Comparisons made meanwhile see the store without it, exactly as they do not see pages
                // still held; `record` compares again inside its transaction, which is what counts.
                state.writing = (Task { try await write() }, pageNumber)
            }
        } else if !changed && state.pending.isEmpty && state.writing == nil {
            // Nothing held back: every page so far is as recorded as it will be.
            state.committedPages = pageNumber
        }
        state.pages = pageNumber
        state.records += page.count
        state.tombstones += tombstoneCount
        // The last page's progress is reported by its `Commit`, once the transaction is in.
        guard !isLast else { return }
        observer?(.page(SyncPageProgress(entityType: state.type, mode: state.mode, page: pageNumber, records: page.count,
                                         recordsInPass: state.records, events: appended,
                                         historiesFetched: historiesWanted, historiesSkipped: historiesSkipped)))
    }

    /// Whether a record missing from a full pass belongs to a confidential job, as last recorded: the job
    /// itself, or an application, offer, interview schedule, job posting or opening of one. Ashby leaves
    /// those out for a key without "Allow access to confidential jobs and projects".
    private func isConfidential(_ key: EntityKey) throws -> Bool {
        func job(_ id: String?) throws -> Bool {
            guard let id else { return false }
            return try store.currentRecord(EntityKey(.job, id))?["confidential"]?.boolValue == true
        }
        func application(_ id: String?) throws -> Bool {
            guard let id, let record = try store.currentRecord(EntityKey(.application, id)) else { return false }
            return try job(record["job"]?.string("id") ?? record.string("jobId"))
        }
        guard let record = try store.currentRecord(key) else { return false }
        switch key.kind {
        case .job: return record["confidential"]?.boolValue == true
        case .application: return try job(record["job"]?.string("id") ?? record.string("jobId"))
        case .offer, .interviewSchedule: return try application(record.string("applicationId"))
        case .jobPosting: return try job(record.string("jobId"))
        case .opening:
            let jobs = record["jobIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return try !jobs.isEmpty && jobs.allSatisfy { try job($0) }
        default: return false
        }
    }

    /// Why a record missing from a complete full pass is gone: a candidate whose applications another
    /// candidate now lists was merged into that one (the one listing most of them); anything else is
    /// `absentFromFullSync`.
    private func deletionReason(_ key: EntityKey, _ state: PassState) throws -> DeletionReason {
        guard key.kind == .candidate, !state.applicationOwners.isEmpty,
              let applications = try store.currentRecord(key)?["applicationIds"]?.arrayValue else { return .absentFromFullSync }
        var votes: [String: Int] = [:]
        for application in applications {
            if let id = application.stringValue, let owner = state.applicationOwners[id], owner != key.id { votes[owner, default: 0] += 1 }
        }
        guard let survivor = votes.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key else {
            return .absentFromFullSync
        }
        return .merged(into: survivor)
    }

    /// Whether `application.listHistory` can change what is recorded for an application going from
    /// `previous` (nil: new to the store) to `current`. The rule, from what the two versions show:
    /// - no current stage: there is no stay to place, nothing is read from a history;
    /// - the record carries its own `applicationHistory` (an `application.info`-shaped record): the
    ///   classifier reads that one and would ignore a fetched one;
    /// - new, or a different current stage: needed (the real `enteredStageAt`, the history entry, and
    ///   the moves in between);
    /// - the same current stage: only an out-and-back move (A→B→A) could show, and a move sets the
    ///   application's `updatedAt`; with `updatedAt` unchanged no move happened, so the change lies
    ///   elsewhere (a field the application owns: its source, a custom field value) and the history is skipped.
    /// A skipped history therefore never changes the events: the classifier emits the same ones with
    /// or without it.
    static func historyCanAddMoves(previous: JSONValue?, current: JSONValue) -> Bool {
        guard let stage = current["currentInterviewStage"]?.string("id") else { return false }
        if current["applicationHistory"]?.arrayValue != nil { return false }
        guard let previous else { return true }
        guard previous["currentInterviewStage"]?.string("id") == stage else { return true }
        guard let before = previous.string("updatedAt"), let after = current.string("updatedAt") else { return true }
        return before != after
    }

    /// Waits for the histories of held pages, in page order. The first failure, in page and then
    /// application order, cancels the rest and is thrown as a `SyncError` naming that page and
    /// application. A cancelled task cancels the fetches it waits for.
    private static func collectHistories(_ fetches: [HistoryFetch], _ type: AshbyEntityType, _ mode: SyncRun.Mode,
                                         pagesRecorded: Int) async throws -> [String: [JSONValue]] {
        var histories: [String: [JSONValue]] = [:]
        for (i, fetch) in fetches.enumerated() {
            do {
                // A cancelled task cancels this fetch (`value(of:)`), and the catch below the later ones.
                histories.merge(try await value(of: fetch.task)) { _, new in new }
            } catch {
                for later in fetches[(i + 1)...] { later.task.cancel() }
                guard let failure = error as? HistoryFailure else { throw error }
                throw wrap(failure.underlying, type, mode, page: fetch.page,
                           step: .fetchingHistory(applicationId: failure.applicationId), pagesRecorded: pagesRecorded)
            }
        }
        return histories
    }

    /// Why one application's history could not be fetched (made a `SyncError` by `collectHistories`).
    private struct HistoryFailure: Error {
        let applicationId: String
        let underlying: any Error
    }

    /// Fetches the histories of `ids` with up to the budget's number of requests at once (each
    /// waiting for `historyRateLimiter` too). The first failure, in `ids` order, cancels the rest and is
    /// thrown (a `HistoryFailure` naming that application).
    private static func fetchHistories(_ ids: [String], client: AshbyClient, limiter: RequestRateLimiter?) async throws
        -> [String: [JSONValue]] {
        guard !ids.isEmpty else { return [:] }
        let workers = min(ids.count, client.requestBudget?.maxConcurrentRequests ?? 1)
        let results = await withTaskGroup(of: (Int, HistoryResult).self) { group -> [HistoryResult?] in
            var results = [HistoryResult?](repeating: nil, count: ids.count)
            var next = 0
            func start(_ group: inout TaskGroup<(Int, HistoryResult)>) {
                let i = next, id = ids[i]
                next += 1
                group.addTask { (i, await Self.fetchHistory(id, client: client, limiter: limiter)) }
            }
            for _ in 0..<workers { start(&group) }
            var failed = false
            while let (i, result) = await group.next() {
                results[i] = result
                if case .failure = result, !failed {
                    failed = true
                    group.cancelAll()
                }
                if !failed, next < ids.count { start(&group) }
            }
            return results
        }
        var histories: [String: [JSONValue]] = [:]
        histories.reserveCapacity(ids.count)
        var cancelled: (any Error)?
        for (id, result) in zip(ids, results) {
            switch result {
            case .success(let history)?: histories[id] = history
            case .failure(let error)?:
                if error is CancellationError { cancelled = cancelled ?? error; continue }
                throw HistoryFailure(applicationId: id, underlying: error)
            case nil: continue
            }
        }
        if let cancelled { throw cancelled }
        return histories
    }

    private enum HistoryResult: Sendable {
        case success([JSONValue])
        case failure(any Error)
    }

    private static func fetchHistory(_ id: String, client: AshbyClient, limiter: RequestRateLimiter?) async -> HistoryResult {
        do {
            try await limiter?.acquire()
            return .success(try await client.applicationHistory(applicationId: id))
        } catch {
            return .failure(error)
        }
    }

    /// `task`'s value, cancelling `task` when the awaiting task is cancelled. The sync's page fetches,
    /// writes and commits are tasks of their own (so they overlap); without this a cancelled sync would
    /// still wait for a page request or a history fetch in one of them. A write already on the writer
    /// thread finishes either way.
    private static func value<T: Sendable>(of task: Task<T, any Error>) async throws -> T {
        try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// The seed of a kind's raw hashes: a hash of the kind and the normaliser's rules for it (volatile
    /// fields and embedded references), so raw hashes recorded under another normaliser never match and
    /// those records take the full path once. A kind whose raw hashes leave `handle` values out gets
    /// another seed, so hashes made the other way never match.
    static func rawHashSeed(_ kind: EntityKind, _ normalizer: RecordNormalizer) -> UInt64 {
        let fields = normalizer.rulesDescription(kind)
        let scheme = RawRecordHash.masksHandles(kind, normalizer) ? ":handles-masked" : ""
        return ContentHash(bytes: Array("\(kind.storageCode):\(fields)\(scheme)".utf8)).value
    }

    /// The raw hash of a record's bytes as the API sent them (`StateRow.rawHash`) for `kind` under
    /// `normalizer`: XXH64 seeded with `rawHashSeed`, of the bytes with `handle` values left out where
    /// `RawRecordHash` says so.
    public static func rawHash(_ bytes: UnsafeRawBufferPointer, kind: EntityKind, normalizer: RecordNormalizer) -> ContentHash {
        RawRecordHash.hash(bytes, seed: rawHashSeed(kind, normalizer), maskHandles: RawRecordHash.masksHandles(kind, normalizer))
    }

    private func wrap(_ error: any Error, _ state: PassState, page: Int, step: SyncError.Step) -> any Error {
        Self.wrap(error, state.type, state.mode, page: page, step: step, pagesRecorded: state.committedPages)
    }

    /// `error` as a `SyncError` of that pass and step (cancellations and `SyncError`s pass through).
    private static func wrap(_ error: any Error, _ type: AshbyEntityType, _ mode: SyncRun.Mode, page: Int,
                             step: SyncError.Step, pagesRecorded: Int) -> any Error {
        if error is CancellationError || error is SyncError { return error }
        return SyncError(entityType: type, mode: mode, page: page, step: step, pagesRecorded: pagesRecorded, underlying: error)
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
    /// True when Ashby refused a token or cursor again on the full pass that followed a first refusal.
    public var repeatedRefusal = false

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
        if repeatedRefusal {
            what = "Ashby refused a cursor or token again on the full pass that followed its first refusal, so running "
                + "again will not help. Report it to Ashby support with the request id above."
        } else if let ashby = underlying as? AshbyError, ashby.isAuthenticationFailure {
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
    /// A type whose last full pass listed at most this many records gets a full pass on every sync (a
    /// deletion check: deletions and merges are recorded at the next sync; unchanged records cost only
    /// their raw hash). nil: only `fullPassIntervalDays` decides. The CLI's default is 20,000.
    public var deletionCheckMaxRecords: Int?
    /// The source this sync reads. Set: the store is bound to it on its first sync and a sync from
    /// another source is refused (`SourceMismatchError`); nil: no check (tests, tools that know better).
    public var source: SyncSource?
    /// The most requests to Ashby in flight at once during a sync (list pages read ahead, the listings
    /// of the next types and the application histories together), at least 1. The sync's `RequestBudget` starts at
    /// `startingConcurrentRequests` (or this, if lower), grows by one per as many successful replies as
    /// its cap up to this, and halves on a rate-limited reply, which also pauses every request. Ignored
    /// when the service's client already has a `RequestBudget`. Default 16.
    public var maxConcurrentRequests: Int {
        didSet { precondition(maxConcurrentRequests >= 1, "maxConcurrentRequests must be at least 1") }
    }

    /// The default of `maxConcurrentRequests` (and of `hireledger sync --max-concurrent-requests`). 16:
    /// with replies taking 50 ms, the day-1 sync of the large world (895 history requests) takes 4.2 s
    /// at 16, against 6.9 s at 8 and 12.4 s at 4 (README, "Daily sync against real latency"); the cap
    /// starts lower and only gets there while Ashby does not refuse.
    public static let defaultMaxConcurrentRequests = 16
    /// Where the sync's request budget starts: the fixed cap of earlier versions, which no account has
    /// been refused at.
    public static let startingConcurrentRequests = 4

    /// Changed pages are held and recorded together, in one write transaction, once the records held
    /// reach this many canonical bytes or the first of them was held `transactionSeconds`, and always
    /// with a pass's last page (which carries its sync token and run record). A kill loses only what
    /// is held, and the next sync reads it again (the token moves only with the last page). 1 byte
    /// (or 0 s): one transaction per changed page. Default 4 MiB: on the medium world (debug build)
    /// 26 transactions for the first sync instead of 274, the fsyncs' cost gone (19.2 s → 13–18 s on a
    /// shared machine), peak heap 93 MB instead of 25 MB (8 MiB: 22 transactions, 137 MB).
    public var transactionBytes: Int = 4 << 20
    /// See `transactionBytes`. Default 1 s.
    public var transactionSeconds: Double = 1
    /// While list replies are slow (`slowReply`), and on every sync but a store's first (which is
    /// CPU-bound against a fast source): how many types after the one being recorded are listed
    /// at the same time (their pages fetched and held, up to `listingAheadBytesWhenSlow` each, until their
    /// pass takes them); one more once the current type's listing is complete. Cursor pagination allows
    /// one request at a time per type, so this is what keeps several requests on the wire. Default 2; 0,
    /// or a first sync with fast replies: only the next type's listing, once the current one has its last
    /// page.
    public var listingWindow: Int = 2
    /// Page bodies one listing fetches ahead of its pass at most (one page always). Default 1 byte: one
    /// page ahead, fetched while the one before it is recorded. Deeper (1-4 MiB) cost the CPU-bound first
    /// sync 4-14 % more CPU (pages scanned long before they are read again, out of the cache) and 4 MiB
    /// 30-60 MB of peak heap; the types listed ahead (`listingWindow`) are what overlaps requests.
    public var listingAheadBytes: Int = 1
    /// The bound instead of `listingAheadBytes` once one of the listing's replies took 20 ms or more (a
    /// real Ashby, not loopback): the listings of the next types then gather their pages while the
    /// current type is recorded, instead of one each. Default 8 MiB (three listings: 24 MiB at most).
    public var listingAheadBytesWhenSlow: Int = 8 << 20
    /// From which moving average of list replies (the service's `ReplyPace`) they count as slow: the
    /// listing window opens and listings gather up to `listingAheadBytesWhenSlow`. Default 20 ms
    /// (loopback answers a page in a few); `.zero`: always.
    public var slowReply: Duration = .milliseconds(20)
    /// Classify records new to the store on the pass's task, before their write transaction
    /// (`PreparedCreation`), so the writer thread only checks and appends their events. Default true; false
    /// classifies every record on the writer thread (the logs are the same: tests compare the two).
    public var classifyNewRecordsAhead = true

    public init(forceFull: Bool = false, types: Set<AshbyEntityType> = Set(SyncPlan.order),
                pageSize: Int = AshbyEndpoint.maximumPageSize, historyForNewApplications: Bool = true,
                fullPassIntervalDays: Int? = 7, source: SyncSource? = nil, deletionCheckMaxRecords: Int? = nil,
                maxConcurrentRequests: Int = SyncOptions.defaultMaxConcurrentRequests) {
        precondition(maxConcurrentRequests >= 1, "maxConcurrentRequests must be at least 1")
        self.maxConcurrentRequests = maxConcurrentRequests
        self.source = source
        self.deletionCheckMaxRecords = deletionCheckMaxRecords
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
    /// Types not synced because the key lacks their permission.
    public var skipped: [SkippedType] = []
    /// Things the summary should say (the source binding, a source that could not be verified).
    public var notes: [String] = []

    public var appendedEvents: Int { lastPosition >= firstPosition ? Int(lastPosition.value - firstPosition.value) + 1 : 0 }
}

/// What `SyncService` reports while it runs, for a progress display (the library prints nothing).
public enum SyncProgress: Sendable {
    /// A pass of one entity type begins.
    case passStarted(entityType: AshbyEntityType, mode: SyncRun.Mode)
    /// Ashby refused the stored sync token (`reason` says why); the token was dropped and a full pass
    /// of the type follows.
    case fellBackToFull(entityType: AshbyEntityType, reason: String)
    /// The key lacks the permission to read this type; it was skipped and the sync goes on.
    case skipped(SkippedType)
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
    /// Events appended by the write transaction this page closed: its own changes and those of the
    /// changed pages held before it (`SyncOptions.transactionBytes`); 0 when the page closed none.
    public var events: Int
    /// Application histories this page asked for. They are fetched while the listing goes on, and are
    /// all in before the page's transaction is recorded (a failure fails the sync instead).
    public var historiesFetched: Int
    /// Changed (or new) applications of this page whose history was not fetched because it could not
    /// change what is recorded (`SyncService.historyCanAddMoves`).
    public var historiesSkipped: Int = 0
}
