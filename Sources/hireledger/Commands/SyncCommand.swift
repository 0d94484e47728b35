import ArgumentParser
import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer

/// `hireledger sync`: snapshots the Ashby account and records what changed since the last sync.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync the Ashby account into the ledger: record every change since the last sync as events.",
        discussion: """
            Entity types with a stored syncToken are synced incrementally; the others (all of them with \
            --full, and each type once every --full-every days) get a full pass, after which records Ashby \
            no longer lists are recorded as deleted. \
            Safe to interrupt at any moment: the next sync neither duplicates nor loses a change. \
            With --backfill-history it then reads every application's stage history once (at \
            --history-rate requests per second), so the history starts before HireLedger did; that step \
            can be interrupted and resumes where it stopped. \
            A store belongs to the source of its first sync (the Ashby organization, or the simulator's seed \
            and size); a sync from another source is refused and writes nothing. \
            Exit status: 0 when every type was synced; 3 when the key lacks a permission, in which case the \
            types it can read were synced and the others are listed as skipped; 1 on any other failure.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Full passes for every entity type, ignoring stored sync tokens (finds deletions).")
    var full = false

    @Option(name: .customLong("full-every"),
            help: "Days between automatic full passes of each entity type (they find deletions); 0: never.")
    var fullEvery: Int = 7

    @Option(name: .customLong("deletion-check-max"),
            help: "Entity types with at most this many records get a full pass on every sync, so deletions and merges are found at once; 0: only every --full-every days.")
    var deletionCheckMax: Int = 20_000

    @Flag(name: .customLong("backfill-history"), help: "Also record every application's past stage moves (once).")
    var backfillHistory = false

    @Option(name: .customLong("history-rate"), help: "Application-history requests per second during the backfill.")
    var historyRate: Double = 5

    @Option(name: .customLong("max-concurrent-requests"),
            help: "Most requests to Ashby in flight at once (list pages, the next types' listings and application histories), 1 to 32, default 16. The cap starts at 4 and grows while Ashby answers; a rate-limited reply halves it and pauses them all.")
    var maxConcurrentRequests: Int = SyncOptions.defaultMaxConcurrentRequests

    @Option(name: .customLong("type"), help: "Only these entity types (repeatable), e.g. applications, offers.")
    var types: [String] = []

    func validate() throws {
        guard deletionCheckMax >= 0 else {
            throw ValidationError("--deletion-check-max must be 0 (off) or a number of records; got \(deletionCheckMax).")
        }
        guard fullEvery >= 0 else { throw ValidationError("--full-every must be 0 (never) or a number of days; got \(fullEvery).") }
        guard historyRate > 0, historyRate <= 1000 else {
            throw ValidationError("--history-rate must be between 0 and 1000 requests per second; got \(historyRate).")
        }
        guard (1...AccountsDeployment.maxConcurrentRequestsLimit).contains(maxConcurrentRequests) else {
            throw ValidationError("--max-concurrent-requests must be between 1 and \(AccountsDeployment.maxConcurrentRequestsLimit); got \(maxConcurrentRequests).")
        }
        for t in types where AshbyEntityType(rawValue: t) == nil {
            throw ValidationError("unknown --type '\(t)'; one of: \(SyncPlan.order.map(\.rawValue).joined(separator: ", ")).")
        }
    }

    func run() async throws {
        let conn = try await AshbyConnection.open(connection, maxConcurrentRequests: maxConcurrentRequests)
        do {
            try await sync(conn)
            await conn.close()
        } catch {
            await conn.close()
            throw error
        }
    }

    private func sync(_ conn: AshbyConnection) async throws {
        // Against the embedded simulator, time is the simulator's: observedAt then lines up with occurredAt.
        let clock: any LedgerClock = conn.simulator.map { sim in ClosureLedgerClock { sim.now } } ?? SystemLedgerClock()
        let store: LedgerStore
        do {
            store = try LedgerStore.open(directory: storeOptions.path, now: clock.now())
        } catch {
            throw CLIError("Cannot open the store at '\(storeOptions.path)': \(error)")
        }
        // One sync at a time per store (also against `serve --sync-every`); released when this returns.
        let lock: SyncLock
        do {
            guard let held = try SyncLock.tryAcquire(storeDirectory: store.path) else {
                throw CLIError("Another sync is running on \(store.path) (its sync.lock is held). Wait for it to finish; nothing was changed.")
            }
            lock = held
        } catch let error as SyncLockError { throw CLIError(error.description) }
        defer { lock.release() }
        let display = ProgressDisplay()
        let service = SyncService(store: store, client: conn.client, clock: clock, observer: { progress in
            switch progress {
            case .passStarted(let type, let mode): display.add(type.rawValue, note: mode.rawValue)
            case .fellBackToFull(let type, let reason): display.add(type.rawValue, note: "full (\(reason))")
            case .skipped(let skip): display.add(skip.entityType, note: "skipped: the key lacks \(skip.permission?.adminName ?? "a permission")")
            case .page(let p): display.add(p.entityType.rawValue, pages: 1, records: p.records, events: p.events)
            case .passFinished(let run): display.markDone(run.entityType)
            }
        })
        // The store belongs to one source: the embedded simulator's world, or the organization the key reads.
        let source: SyncSource
        if let sim = conn.simulator {
            source = .simulator(seed: sim.configuration.seed, size: sim.configuration.size.rawValue)
        } else {
            do { source = .ashby(try await conn.client.organization()) } catch {
                throw CLIError("Cannot tell which Ashby organization \(conn.label) reads: \(error)")
            }
        }
        var options = SyncOptions(forceFull: full, fullPassIntervalDays: fullEvery == 0 ? nil : fullEvery, source: source,
                                  deletionCheckMaxRecords: deletionCheckMax == 0 ? nil : deletionCheckMax,
                                  maxConcurrentRequests: maxConcurrentRequests)
        if !types.isEmpty { options.types = Set(types.compactMap(AshbyEntityType.init(rawValue:))) }
        let report: SyncReport
        do {
            report = try await service.sync(options, logger: try LogSetup.logger("hireledger.sync"))
        } catch {
            display.finish(title: "Sync stopped")
            // SyncError says what was kept and what to do; anything else (cancellation, a store error) gets it here.
            if error is SyncError || error is SourceMismatchError { throw CLIError("\(error)") }
            throw CLIError("\(error)\nEverything recorded before this point is kept; run 'hireledger sync' again to continue.")
        }
        display.finish(title: "Synced \(conn.label): \(report.appendedEvents) new events")
        var summary = report.notes.map { "note: \($0)\n" }.joined()
        for run in report.runs {
            if let reason = run.fullPassReason, reason.contains("refused") { summary += "note: \(run.entityType): \(reason)\n" }
        }
        if !report.skipped.isEmpty {
            summary += "warning: not synced, the API key lacks a permission: "
                + report.skipped.map(\.description).joined(separator: ", ") + ". Everything else was synced; views that "
                + "need these types say so. Grant the permission (Ashby: Admin → Integrations → API Keys) and sync again; "
                + "`hireledger doctor` checks all six.\n"
        }
        if !summary.isEmpty { Terminal.writeError(summary) }
        // Application histories need the applications' permission.
        if !report.skipped.contains(where: { $0.entityType == AshbyEntityType.applications.rawValue }) {
            try await backfillIfAsked(store: store, conn: conn, clock: clock)
        }
        if !report.skipped.isEmpty { throw ExitCode(3) }
    }

    private func backfillIfAsked(store: LedgerStore, conn: AshbyConnection, clock: any LedgerClock) async throws {
        if backfillHistory {
            let limiter = RequestRateLimiter(requestsPerSecond: historyRate, burst: max(1, Int(historyRate)))
            let backfillDisplay = ProgressDisplay()
            let backfill = HistoryBackfill(store: store, client: conn.client, clock: clock, rateLimiter: limiter,
                                           observer: { p in backfillDisplay.add("application history", records: 1, events: p.events) })
            do {
                let r = try await backfill.run()
                backfillDisplay.finish(title: "History backfill: \(r.applications) applications, \(r.events) past stage moves recorded")
            } catch {
                backfillDisplay.finish(title: "History backfill stopped")
                throw CLIError("\(error)\nThe backfill resumes where it stopped when you run 'hireledger sync --backfill-history' again.")
            }
        }
    }
}
