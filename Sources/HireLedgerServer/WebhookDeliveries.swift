import CurlHTTP
import HireLedger
import HireLedgerCore
import Logging
import ServiceLifecycle
import Prometheus
import Synchronization

/// The webhook dispatcher as `hireledger serve` runs it: a `Service` beside the HTTP server (started
/// by `LedgerAPI.application()`, cancelled on graceful shutdown), woken by the `LogWatcher` when the
/// log grows and by the subscription routes when a subscription changes. Every attempt is recorded
/// by an `ObservedWebhookTransport` (metrics into `metrics`, failed attempts logged); at each scrape
/// of `/metrics` it sets the subscriptions-by-state and per-subscription lag gauges.
///
/// Rules: one deliverer per store: with a `lease` (as `serve` passes), a `hireledger deliver` already
/// delivering from the same store makes this one wait (logged once) until it stops or its lease expires.
/// Requests go through `transport` (a `CurlTransport` with the webhook address guard in `serve`);
/// secrets are never logged, URLs only masked.
public final class WebhookDeliveries: Service, Sendable {
    public let dispatcher: WebhookDispatcher
    public let subscriptions: SubscriptionStore
    /// Where attempts are recorded; `LedgerAPI` serves these on `/metrics`.
    public let metrics: ServerMetrics
    private let transport: ObservedWebhookTransport
    private let logger: Logger
    private let lagGauges = Mutex([String: Prometheus.Gauge]())

    /// - Parameters:
    ///   - source: the CloudEvents `source` of delivered events (the API's, so both agree).
    ///   - pollInterval: seconds between looks for events when nothing wakes the dispatcher (retries
    ///     due, appends by other processes the watcher has not seen yet).
    ///   - addressPolicy: which webhook hosts subscriptions may name (`--allow-private-webhooks`).
    ///   - lease: the store's deliverer lease (nil: deliver without one, as tests do).
    public init(store: LedgerStore, transport: any HTTPTransport, source: String, clock: any WebhookClock = SystemWebhookClock(),
                requestTimeout: Double = 10, pollInterval: Double = 1, metrics: ServerMetrics = ServerMetrics(),
                addressPolicy: WebhookAddressPolicy = .publicOnly, lease: DelivererLease? = nil,
                logger: Logger = Logger(label: "hireledger.webhooks")) throws {
        self.transport = ObservedWebhookTransport(base: transport, logger: logger, metrics: metrics.factory)
        subscriptions = try SubscriptionStore(store: store, clock: clock, addressPolicy: addressPolicy)
        dispatcher = WebhookDispatcher(store: store, subscriptions: subscriptions, transport: self.transport, clock: clock,
                                       source: source, requestTimeout: requestTimeout, pollInterval: pollInterval, lease: lease)
        self.metrics = metrics
        self.logger = logger
        let byState = Dictionary(uniqueKeysWithValues: ["active", "retrying", "disabled"].map { state in
            (state, metrics.registry.makeGauge(
                descriptor: ServerMetrics.describe("hireledger_webhook_subscriptions", "Webhook subscriptions by state."),
                labels: [("state", state)]))
        })
        metrics.addCollector { [weak self, registry = metrics.registry] in
            guard let self else { return }
            let subs = try self.subscriptions.list()
            let last = try store.lastPosition
            var counts = ["active": 0, "retrying": 0, "disabled": 0]
            for s in subs { counts[s.isActive ? (s.retry == nil ? "active" : "retrying") : "disabled", default: 0] += 1 }
            for (state, gauge) in byState { gauge.set(Int64(counts[state] ?? 0)) }
            let lagDescriptor = ServerMetrics.describe("hireledger_webhook_lag_events", "Events in the log after a subscription's cursor.")
            self.lagGauges.withLock { gauges in
                let current = Set(subs.map(\.id))
                for (id, gauge) in gauges where !current.contains(id) {
                    registry.unregisterGauge(gauge)
                    gauges[id] = nil
                }
                for s in subs {
                    let gauge = gauges[s.id] ?? registry.makeGauge(descriptor: lagDescriptor, labels: [("subscription", s.id)])
                    gauges[s.id] = gauge
                    gauge.set(Int64(last.value >= s.cursor.value ? last.value - s.cursor.value : 0))
                }
            }
        }
    }

    /// Tells the dispatcher new events or subscription changes may be there.
    public func wake() { dispatcher.wake() }

    /// Delivers until graceful shutdown or cancellation. A store error ends one round: it is logged and
    /// delivery resumes after a pause, so a transient problem does not stop the API with it.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let logger = self.logger
                    try await self.dispatcher.run(onLeaseWait: { holder, until in
                        logger.warning("webhooks: another deliverer (\(holder)) is delivering from this store; waiting for its lease (until \(until.iso8601) unless renewed)")
                    })
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    self.logger.error("webhook delivery stopped; retrying in 5 s", metadata: ["error": "\(error)"])
                    do { try await Task.sleep(for: .seconds(5)) } catch { return }
                }
            }
        }
    }

    /// Webhook requests answered so far, by status class (`2xx`, `3xx`, `4xx`, `5xx`) or `error` (no response).
    public var requestCounts: [String: Int] { transport.requestCounts }
}
