import CurlHTTP
import HireLedger
import HireLedgerCore
import Logging
import ServiceLifecycle
import Synchronization

/// The webhook dispatcher as `hireledger serve` runs it: a `Service` beside the HTTP server (started
/// by `LedgerAPI.application()`, cancelled on graceful shutdown), woken by the `LogWatcher` when the
/// log grows and by the subscription routes when a subscription changes, with delivery counters for
/// `/metrics`.
///
/// Rules: one deliverer per store: with a `lease` (as `serve` passes), a `hireledger deliver` already
/// delivering from the same store makes this one wait (logged once) until it stops or its lease expires.
/// Requests go through `transport` (a `CurlTransport` with the webhook address guard in `serve`);
/// secrets are never logged, URLs only masked.
public final class WebhookDeliveries: Service, Sendable {
    public let dispatcher: WebhookDispatcher
    public let subscriptions: SubscriptionStore
    private let counter: CountingTransport
    private let logger: Logger

    /// - Parameters:
    ///   - source: the CloudEvents `source` of delivered events (the API's, so both agree).
    ///   - pollInterval: seconds between looks for events when nothing wakes the dispatcher (retries
    ///     due, appends by other processes the watcher has not seen yet).
    ///   - addressPolicy: which webhook hosts subscriptions may name (`--allow-private-webhooks`).
    ///   - lease: the store's deliverer lease (nil: deliver without one, as tests do).
    public init(store: LedgerStore, transport: any HTTPTransport, source: String, clock: any WebhookClock = SystemWebhookClock(),
                requestTimeout: Double = 10, pollInterval: Double = 1, addressPolicy: WebhookAddressPolicy = .publicOnly,
                lease: DelivererLease? = nil, logger: Logger = Logger(label: "hireledger.webhooks")) throws {
        counter = CountingTransport(base: transport)
        subscriptions = try SubscriptionStore(store: store, clock: clock, addressPolicy: addressPolicy)
        dispatcher = WebhookDispatcher(store: store, subscriptions: subscriptions, transport: counter, clock: clock,
                                       source: source, requestTimeout: requestTimeout, pollInterval: pollInterval, lease: lease)
        self.logger = logger
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
                    self.logger.error("webhook delivery stopped: \(error); retrying in 5 s")
                    do { try await Task.sleep(for: .seconds(5)) } catch { return }
                }
            }
        }
    }

    /// Webhook requests answered so far, by status class (`2xx`, `3xx`, `4xx`, `5xx`) or `error` (no response).
    public var requestCounts: [String: Int] { counter.counts }

    /// Prometheus exposition lines: requests by outcome, and per subscription state and lag.
    public func metricsSection(store: LedgerStore) -> String {
        var out = "# HELP hireledger_webhook_requests_total Webhook delivery requests sent by this server, by outcome.\n"
        out += "# TYPE hireledger_webhook_requests_total counter\n"
        let counts = counter.counts
        for outcome in ["2xx", "3xx", "4xx", "5xx", "error"] {
            out += "hireledger_webhook_requests_total{outcome=\"\(outcome)\"} \(counts[outcome] ?? 0)\n"
        }
        guard let subs = try? subscriptions.list(), let last = try? store.lastPosition else { return out }
        var byStatus = ["active": 0, "retrying": 0, "disabled": 0]
        for s in subs { byStatus[s.isActive ? (s.retry == nil ? "active" : "retrying") : "disabled", default: 0] += 1 }
        out += "# HELP hireledger_webhook_subscriptions Webhook subscriptions by state.\n# TYPE hireledger_webhook_subscriptions gauge\n"
        for key in ["active", "retrying", "disabled"] { out += "hireledger_webhook_subscriptions{state=\"\(key)\"} \(byStatus[key]!)\n" }
        out += "# HELP hireledger_webhook_lag_events Events in the log after a subscription's cursor.\n# TYPE hireledger_webhook_lag_events gauge\n"
        for s in subs {
            out += "hireledger_webhook_lag_events{subscription=\"\(s.id)\"} \(last.value >= s.cursor.value ? last.value - s.cursor.value : 0)\n"
        }
        return out
    }
}

/// Counts the outcomes of the requests it passes on.
private final class CountingTransport: HTTPTransport {
    let base: any HTTPTransport
    private let state = Mutex([String: Int]())

    init(base: any HTTPTransport) { self.base = base }

    var counts: [String: Int] { state.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            let response = try await base.send(request)
            let outcome = (200...599).contains(response.status) ? "\(response.status / 100)xx" : "error"
            state.withLock { $0[outcome, default: 0] += 1 }
            return response
        } catch {
            state.withLock { $0["error", default: 0] += 1 }
            throw error
        }
    }
}
