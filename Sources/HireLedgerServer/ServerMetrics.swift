import CoreMetrics
import HireLedger
import HireLedgerCore
import Prometheus
import Synchronization

/// What `GET /metrics` exposes (Prometheus text exposition format 0.0.4), in one registry per API.
///
/// What happens is recorded through swift-metrics (`Counter`, `Timer`) with `factory`, which writes into
/// `registry`; timers become Prometheus histograms. What is read from the store (the log's size and
/// position, the store's size, the last sync of each entity type, view lag, webhook subscriptions) is
/// set on gauges at scrape time by the collectors given to `addCollector`. The factory is passed
/// explicitly rather than bootstrapped into `MetricsSystem`, so several APIs in one process (tests)
/// keep separate figures.
///
/// Exposed without authentication: the figures are counts, durations and positions, never candidate
/// data, and scrapers rarely hold bearer tokens. Rules: `render` throws when the store cannot be read
/// (the handler answers 500), so a broken store never shows as zeros; labels are route templates,
/// status classes and ids, never request paths or personal data.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` emits.
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory writing into `registry`.
    public let factory: PrometheusMetricsFactory
    private let collectors: Mutex<[@Sendable () throws -> Void]> = Mutex([])
    private let sseClientCount = Mutex(0)
    private let sseClientsGauge: Prometheus.Gauge
    private let sseEventsSent: Prometheus.Counter

    /// Request durations from 1 ms (a cached view) to 30 s (a large events page on a busy store).
    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10), .seconds(30),
    ]
    /// Webhook request durations: loopback receivers answer in a millisecond, the timeout is 10 s.
    static let webhookBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]
    /// Sync durations: a day's incremental sync takes seconds, a first full sync of a large account an hour.
    static let syncBuckets: [Duration] = [
        .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
        .seconds(600), .seconds(1800), .seconds(3600), .seconds(7200),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.requestBuckets
        factory.durationHistogramBuckets = [
            MetricNames.webhookRequestDuration: Self.webhookBuckets,
            MetricNames.syncDuration: Self.syncBuckets,
        ]
        self.registry = registry
        self.factory = factory
        sseClientsGauge = registry.makeGauge(descriptor: Self.describe("hireledger_sse_clients", "Server-sent event streams open now."))
        sseEventsSent = registry.makeCounter(descriptor: Self.describe("hireledger_sse_events_sent_total", "Events written to SSE streams."))
    }

    /// Records one answered request: `route` is the route template (`/v1/state/{kind}/{id}`), never the
    /// concrete path, so the label set stays small.
    public func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        CoreMetrics.Counter(label: MetricNames.httpRequests,
                            dimensions: [("route", route), ("method", method), ("status", String(status))],
                            factory: factory).increment()
        CoreMetrics.Timer(label: MetricNames.httpRequestDuration,
                          dimensions: [("route", route), ("method", method), ("status_class", Self.statusClass(status))],
                          factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    public func sseConnected() { sseClientsGauge.set(Int64(sseClientCount.withLock { $0 += 1; return $0 })) }
    public func sseDisconnected() { sseClientsGauge.set(Int64(sseClientCount.withLock { $0 -= 1; return $0 })) }
    public func sseSent(_ n: Int) { sseEventsSent.increment(by: Int64(n)) }

    /// SSE clients connected now.
    public var sseClients: Int { sseClientCount.withLock { $0 } }

    /// Adds code run at every scrape, before the registry is emitted, to set gauges from the store. A
    /// collector that throws makes the scrape fail with its error.
    public func addCollector(_ collector: @escaping @Sendable () throws -> Void) {
        collectors.withLock { $0.append(collector) }
    }

    /// Runs the collectors, then returns the exposition text.
    public func render() throws -> String {
        for collect in collectors.withLock({ $0 }) { try collect() }
        return registry.emitToString()
    }

    /// `2xx`, `4xx`, ...; `error` outside 100...599.
    public static func statusClass(_ status: Int) -> String {
        (100...599).contains(status) ? "\(status / 100)xx" : "error"
    }

    /// A descriptor for a metric named in full, with its help text.
    static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
