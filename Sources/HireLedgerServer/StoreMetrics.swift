import CoreMetrics
import HireLedger
import HireLedgerCore
import Prometheus
import Synchronization

/// The store's figures on `/metrics`: set at each scrape from one `LedgerStore.status()` (the log's
/// size and end, the store's size, the last sync pass of each entity type) and from the views'
/// published positions (view lag); `hireledger_events_appended_total` counts the events the server saw
/// appended (by any process) since it started. A failed store read fails the scrape: no figure is
/// ever a zero standing for "unknown".
enum StoreMetrics {
    static func register(on metrics: ServerMetrics, store: LedgerStore, views: ViewStates, watcher: LogWatcher) {
        let registry = metrics.registry
        func gauge(_ name: String, _ help: String) -> Prometheus.Gauge {
            registry.makeGauge(descriptor: ServerMetrics.describe(name, help))
        }
        let events = gauge("hireledger_events_total", "Events in the log.")
        let lastSeq = gauge("hireledger_last_seq", "Position of the last event in the log.")
        let lastObserved = gauge("hireledger_last_observed_timestamp_seconds",
                                 "observedAt of the last event (Unix seconds; 0 while the log is empty).")
        let usedBytes = gauge("hireledger_store_used_bytes", "Bytes of the store's map in use (LMDB pages up to the last used one).")
        let mapBytes = gauge("hireledger_store_map_size_bytes", "Size of the store's memory map in bytes (it grows on demand).")
        let logBytes = gauge("hireledger_store_log_bytes", "Bytes of the event log's pages.")
        metrics.addCollector {
            let status = try store.status()
            events.set(Int64(status.eventCount))
            lastSeq.set(Int64(clamping: status.lastPosition.value))
            lastObserved.set(status.lastObservedAt.map { Double($0.millisecondsSinceEpoch) / 1000 } ?? 0)
            usedBytes.set(Int64(status.usedBytes))
            mapBytes.set(Int64(status.mapSize))
            logBytes.set(Int64(status.logBytes))
            for (type, run) in status.lastSyncs {
                let labels = [("entity_type", type)]
                registry.makeGauge(descriptor: ServerMetrics.describe("hireledger_sync_last_finished_timestamp_seconds",
                    "When the last completed sync pass of the entity type finished (Unix seconds)."), labels: labels)
                    .set(Double(run.finishedAt.millisecondsSinceEpoch) / 1000)
                registry.makeGauge(descriptor: ServerMetrics.describe("hireledger_sync_last_duration_seconds",
                    "How long the last completed sync pass of the entity type took."), labels: labels)
                    .set(Double(run.finishedAt.millisecondsSinceEpoch - run.startedAt.millisecondsSinceEpoch) / 1000)
                registry.makeGauge(descriptor: ServerMetrics.describe("hireledger_sync_last_events",
                    "Events the last completed sync pass of the entity type appended."), labels: labels).set(Int64(run.events))
            }
            for (view, position) in views.publishedPositions {
                let covered = position?.value ?? 0
                let lag = status.lastPosition.value > covered ? status.lastPosition.value - covered : 0
                registry.makeGauge(descriptor: ServerMetrics.describe("hireledger_view_lag_events",
                    "Events in the log after the position the view's published state covers."), labels: [("view", view)]).set(Int64(clamping: lag))
            }
        }
        let appended = CoreMetrics.Counter(label: MetricNames.eventsAppended, dimensions: [], factory: metrics.factory)
        appended.increment(by: 0)   // present from the first scrape
        let seen = Mutex(watcher.lastSeen)
        watcher.onAdvance { position in
            let delta = seen.withLock { last -> UInt64 in
                defer { last = max(last, position) }
                return position > last ? position.value - last.value : 0
            }
            if delta > 0 { appended.increment(by: Int64(clamping: delta)) }
        }
    }
}
