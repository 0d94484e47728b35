import HireLedger
import HireLedgerCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Syncs the store on a schedule inside `hireledger serve` (`--sync-every`): the first sync when the
/// server starts, then one every `interval` after the previous one ended, so runs never overlap and
/// a slow sync delays the next instead of stacking up.
///
/// Rules: at most one sync at a time per scheduler (`runNow()` while one runs is refused and counted
/// as skipped), and the `sync` closure is expected to take the store's cross-process sync lock too
/// (`SyncLock`), so a `hireledger sync` from cron is never run beside it. A failing sync is recorded
/// (`status`, `/metrics`, the planner page) and the schedule goes on: the next one runs at its time.
/// The error text recorded must not hold secrets; callers pass the sync's own error description,
/// which never contains the API key.
public final class SyncScheduler: Service, Sendable {
    /// What one sync did, as the closure reports it.
    public struct Outcome: Sendable, Equatable {
        public var events: Int
        public var summary: String
        public init(events: Int, summary: String) {
            self.events = events
            self.summary = summary
        }
    }

    /// The schedule's state, for the page and `/metrics`.
    public struct Status: Sendable, Equatable {
        public var interval: Duration
        public var running = false
        public var lastStartedAt: Timestamp?
        public var lastFinishedAt: Timestamp?
        /// `ok` or `failed` for the last finished run; nil before the first.
        public var lastOutcome: String?
        public var lastSummary: String?
        public var lastError: String?
        public var nextRunAt: Timestamp?
        public var runs = 0
        public var failures = 0
        /// Requests to run while a sync was running (never started).
        public var skipped = 0
        public var lastEvents = 0
    }

    public typealias Sync = @Sendable () async throws -> Outcome

    private let sync: Sync
    private let now: @Sendable () -> Timestamp
    private let state: Mutex<Status>

    /// - Parameters:
    ///   - interval: time between the end of one sync and the start of the next; positive.
    ///   - now: the wall clock recorded in `status` (injected by tests).
    ///   - sync: one sync of the store; throws to report a failure.
    public init(interval: Duration, now: @escaping @Sendable () -> Timestamp = SyncScheduler.systemNow, sync: @escaping Sync) {
        precondition(interval > .zero, "a sync interval must be positive")
        self.sync = sync
        self.now = now
        state = Mutex(Status(interval: interval))
    }

    public var status: Status { state.withLock { $0 } }

    /// Runs one sync now unless one is running. Returns false (and counts a skip) when one was.
    @discardableResult
    public func runNow() async -> Bool {
        let started: Bool = state.withLock { s in
            if s.running { s.skipped += 1; return false }
            s.running = true
            s.lastStartedAt = now()
            return true
        }
        guard started else { return false }
        let result: Result<Outcome, any Error>
        do { result = .success(try await sync()) } catch { result = .failure(error) }
        state.withLock { s in
            s.running = false
            s.runs += 1
            s.lastFinishedAt = now()
            switch result {
            case .success(let o):
                s.lastOutcome = "ok"
                s.lastSummary = o.summary
                s.lastEvents = o.events
                s.lastError = nil
            case .failure(let error):
                s.lastOutcome = "failed"
                s.failures += 1
                s.lastError = String(describing: error)
                s.lastSummary = nil
                s.lastEvents = 0
            }
        }
        return true
    }

    /// The schedule: a sync at once, then one `interval` after each ends, until cancelled or shut down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.runNow()
                let interval = self.state.withLock { s in
                    s.nextRunAt = self.now().adding(milliseconds: Self.milliseconds(s.interval))
                    return s.interval
                }
                do { try await Task.sleep(for: interval) } catch { break }
            }
            self.state.withLock { $0.nextRunAt = nil }
        }
    }

    /// The schedule as JSON (the planner status route).
    public var json: JSONValue {
        let s = status
        func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.iso8601) } ?? .null }
        return ["intervalSeconds": JSONValue(Int(Self.milliseconds(s.interval) / 1000)), "running": JSONValue(s.running),
                "lastStartedAt": time(s.lastStartedAt), "lastFinishedAt": time(s.lastFinishedAt),
                "lastOutcome": s.lastOutcome.map(JSONValue.string) ?? .null, "lastSummary": s.lastSummary.map(JSONValue.string) ?? .null,
                "lastError": s.lastError.map(JSONValue.string) ?? .null, "nextRunAt": time(s.nextRunAt),
                "runs": JSONValue(s.runs), "failures": JSONValue(s.failures), "skipped": JSONValue(s.skipped),
                "lastEvents": JSONValue(s.lastEvents)]
    }

    /// Prometheus exposition lines for `/metrics`.
    /// Registers the schedule's figures on `/metrics`, set at each scrape from `status`: runs, failures
    /// and skips as counters, whether one is running, whether the last succeeded, and when it ended.
    public func registerMetrics(on metrics: ServerMetrics) {
        let registry = metrics.registry
        func counter(_ name: String, _ help: String) -> Prometheus.Counter {
            registry.makeCounter(descriptor: ServerMetrics.describe(name, help))
        }
        func gauge(_ name: String, _ help: String) -> Prometheus.Gauge {
            registry.makeGauge(descriptor: ServerMetrics.describe(name, help))
        }
        let runs = counter("hireledger_scheduled_syncs_total", "Scheduled syncs run by this server (--sync-every).")
        let failures = counter("hireledger_scheduled_sync_failures_total", "Scheduled syncs that failed.")
        let skipped = counter("hireledger_scheduled_syncs_skipped_total", "Sync requests refused because a sync was running.")
        let running = gauge("hireledger_scheduled_sync_running", "1 while a scheduled sync runs.")
        let lastSuccess = gauge("hireledger_scheduled_sync_last_success",
                                "1 when the last scheduled sync succeeded, 0 when it failed or none ran.")
        let lastFinished = gauge("hireledger_scheduled_sync_last_finished_timestamp_seconds",
                                 "When the last scheduled sync ended (Unix seconds; 0: none yet).")
        // Counters only go up: each scrape adds what happened since the previous one.
        let reported = Mutex<(runs: Int, failures: Int, skipped: Int)>((0, 0, 0))
        metrics.addCollector { [weak self] in
            guard let self else { return }
            let s = self.status
            let delta = reported.withLock { r -> (Int, Int, Int) in
                let d = (s.runs - r.runs, s.failures - r.failures, s.skipped - r.skipped)
                r = (s.runs, s.failures, s.skipped)
                return d
            }
            if delta.0 > 0 { runs.increment(by: Int64(delta.0)) }
            if delta.1 > 0 { failures.increment(by: Int64(delta.1)) }
            if delta.2 > 0 { skipped.increment(by: Int64(delta.2)) }
            running.set(Int64(s.running ? 1 : 0))
            lastSuccess.set(Int64(s.lastOutcome == "ok" ? 1 : 0))
            lastFinished.set(s.lastFinishedAt.map { Double($0.millisecondsSinceEpoch) / 1000 } ?? 0)
        }
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        let c = d.components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }

    /// The system clock as a `Timestamp`.
    public static let systemNow: @Sendable () -> Timestamp = { SystemLedgerClock().now() }
}
