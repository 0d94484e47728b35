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
        registerSkippedTypes(on: metrics, store: store)
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

    /// The entity types the last sync could not read for want of a permission: their number
    /// (`hireledger_sync_skipped_types`) and one `hireledger_sync_skipped_type{entity_type,permission}`
    /// at 1 per type (0 once a later sync read it again).
    static func registerSkippedTypes(on metrics: ServerMetrics, store: LedgerStore) {
        let registry = metrics.registry
        let count = registry.makeGauge(descriptor: ServerMetrics.describe("hireledger_sync_skipped_types",
            "Entity types the last sync could not read (missing permission)."))
        let shown = Mutex<[String: Prometheus.Gauge]>([:])
        metrics.addCollector {
            let skipped = try store.skippedTypes()
            count.set(Int64(skipped.count))
            shown.withLock { gauges in
                for (type, skip) in skipped {
                    let key = type + "\u{0}" + (skip.permission?.scope ?? "unknown")
                    let gauge = gauges[key] ?? registry.makeGauge(
                        descriptor: ServerMetrics.describe("hireledger_sync_skipped_type",
                                                           "1 for each entity type the last sync skipped, with the permission it needs."),
                        labels: [("entity_type", type), ("permission", skip.permission?.scope ?? "unknown")])
                    gauges[key] = gauge
                    gauge.set(Int64(1))
                }
                for (key, gauge) in gauges where skipped[String(key.split(separator: "\u{0}")[0])] == nil { gauge.set(Int64(0)) }
            }
        }
    }
}
