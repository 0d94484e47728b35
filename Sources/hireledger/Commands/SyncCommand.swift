import ArgumentParser
import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore

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
            can be interrupted and resumes where it stopped.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Full passes for every entity type, ignoring stored sync tokens (finds deletions).")
    var full = false

    @Option(name: .customLong("full-every"),
            help: "Days between automatic full passes of each entity type (they find deletions); 0: never.")
    var fullEvery: Int = 7

    @Flag(name: .customLong("backfill-history"), help: "Also record every application's past stage moves (once).")
    var backfillHistory = false

    @Option(name: .customLong("history-rate"), help: "Application-history requests per second during the backfill.")
    var historyRate: Double = 5

    @Option(name: .customLong("type"), help: "Only these entity types (repeatable), e.g. applications, offers.")
    var types: [String] = []

    func validate() throws {
        guard fullEvery >= 0 else { throw ValidationError("--full-every must be 0 (never) or a number of days; got \(fullEvery).") }
        guard historyRate > 0, historyRate <= 1000 else {
            throw ValidationError("--history-rate must be between 0 and 1000 requests per second; got \(historyRate).")
        }
        for t in types where AshbyEntityType(rawValue: t) == nil {
            throw ValidationError("unknown --type '\(t)'; one of: \(SyncPlan.order.map(\.rawValue).joined(separator: ", ")).")
        }
    }

    func run() async throws {
        let conn = try await AshbyConnection.open(connection)
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
            case .page(let p): display.add(p.entityType.rawValue, pages: 1, records: p.records, events: p.events)
            case .passFinished(let run): display.markDone(run.entityType)
            }
        })
        var options = SyncOptions(forceFull: full, fullPassIntervalDays: fullEvery == 0 ? nil : fullEvery)
        if !types.isEmpty { options.types = Set(types.compactMap(AshbyEntityType.init(rawValue:))) }
        let report: SyncReport
        do {
            report = try await service.sync(options, logger: try LogSetup.logger("hireledger.sync"))
        } catch {
            display.finish(title: "Sync stopped")
            // SyncError says what was kept and what to do; anything else (cancellation, a store error) gets it here.
            if error is SyncError { throw CLIError("\(error)") }
            throw CLIError("\(error)\nEverything recorded before this point is kept; run 'hireledger sync' again to continue.")
        }
        display.finish(title: "Synced \(conn.label): \(report.appendedEvents) new events")

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
