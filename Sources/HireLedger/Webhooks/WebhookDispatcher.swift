import CurlHTTP
import HireLedgerCore

/// Delivers the log to webhook subscribers: signed (Standard Webhooks), in order, at least once, with a
/// durable cursor per subscription in LMDB.
///
/// Per subscription, events go out one request at a time in log order: one CloudEvent per request
/// (`Content-Type: application/cloudevents+json`, structured mode of the CloudEvents HTTP binding), or
/// with `batchSize` > 1 a JSON array of up to that many (`application/cloudevents-batch+json`).
/// Headers: `webhook-id` (the event id `<storeId>:<seq>`; for a batch `<storeId>:<first>-<last>`),
/// `webhook-timestamp`, `webhook-signature` (one `v1,` entry per valid secret: two during a rotation
/// overlap).
///
/// At least once: the cursor only ever moves past events that got a 2xx (or do not match the
/// subscription's types), and is committed together with the outcome after every `commitEvery` events
/// and at every failure; a process killed in between re-sends at most those events, in order. A failure
/// stops that subscription's pass; `WebhookRetryStateMachine` decides when to try the same event again
/// and when to disable (410 Gone, or failures lasting `policy.giveUpAfter`). Subscriptions are served
/// concurrently; one slow subscriber does not hold up the others.
///
/// Two dispatchers on one store (say `serve` and a cron `deliver --once`) are safe but may both send
/// the same events: run one.
public final class WebhookDispatcher: Sendable {
    public let store: LedgerStore
    public let subscriptions: SubscriptionStore
    private let transport: any HTTPTransport
    private let clock: any WebhookClock
    private let machine: WebhookRetryStateMachine
    private let source: String
    private let requestTimeout: Double
    private let commitEvery: Int
    private let pollInterval: Double
    private let wakeSignal = WakeSignal()

    /// - Parameters:
    ///   - source: the CloudEvents `source` (default `urn:hireledger:store:<storeId>`, as `events` prints).
    ///   - requestTimeout: seconds a delivery may take; a timeout counts as a failed attempt.
    ///   - commitEvery: most events delivered between two cursor commits (each commit waits for an fsync).
    ///   - pollInterval: in `run()`, longest wait before looking for new events without a `wake()`
    ///     (another process, such as a cron `sync`, appends without telling).
    public init(store: LedgerStore, subscriptions: SubscriptionStore, transport: any HTTPTransport,
                clock: any WebhookClock = SystemWebhookClock(), policy: RetryPolicy = .webhookDelivery(),
                source: String? = nil, requestTimeout: Double = 10, commitEvery: Int = 256, pollInterval: Double = 1) {
        precondition(commitEvery >= 1 && requestTimeout > 0 && pollInterval > 0, "commitEvery, requestTimeout and pollInterval must be positive")
        self.store = store
        self.subscriptions = subscriptions
        self.transport = transport
        self.clock = clock
        machine = WebhookRetryStateMachine(policy: policy)
        self.source = source ?? "urn:hireledger:store:\(store.storeId)"
        self.requestTimeout = requestTimeout
        self.commitEvery = commitEvery
        self.pollInterval = pollInterval
    }

    /// Tells a running `run()` that new events may be in the log.
    public func wake() { wakeSignal.signal() }

    /// Delivers everything due now to every active subscription, then returns: each subscription until
    /// it is caught up with the log, or until an attempt fails (its retry time is then in
    /// `nextAttemptAt`). For `hireledger deliver --once` from cron.
    public func deliverOnce() async throws -> DeliveryReport {
        let ids = try subscriptions.records().filter { if case .active = $0.status { true } else { false } }.map(\.id)
        return try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
            for id in ids { group.addTask { try await self.deliver(subscription: id) } }
            var total = DeliveryReport()
            for try await r in group { total.merge(r) }
            return total
        }
    }

    /// Delivers until the task is cancelled: a pass, then a wait for `wake()`, the next retry time or
    /// `pollInterval`, whichever comes first. Throws `CancellationError` when cancelled; store errors end it.
    public func run() async throws {
        while true {
            try Task.checkCancellation()
            let report = try await deliverOnce()
            var wait = pollInterval
            if let next = report.nextAttemptAt {
                wait = min(wait, max(0, Double(next.millisecondsSinceEpoch - clock.now().millisecondsSinceEpoch) / 1000))
            }
            if report.delivered > 0 && report.failedAttempts == 0 { continue }
            let pause = wait
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await self.clock.sleep(seconds: pause) }
                group.addTask { await self.wakeSignal.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// One subscription's pass.
    private func deliver(subscription id: String) async throws -> DeliveryReport {
        var report = DeliveryReport()
        while !Task.isCancelled {
            guard let record = try subscriptions.record(id), case .active = record.status else { break }
            if let retry = record.retry, retry.nextAttemptAt > clock.now() {
                report.nextAttemptAt = retry.nextAttemptAt
                break
            }
            let events = try store.events(after: record.cursor, limit: commitEvery)
            if events.isEmpty { break }
            let filter = EventTypeFilter(record.types)
            var progress = SubscriptionStore.Progress(id: id, generation: record.generation, baseCursor: record.cursor,
                                                      cursor: record.cursor, resolvedRetry: nil, failure: nil)
            var retry = record.retry
            var i = 0
            while i < events.count {
                guard filter.matches(events[i].type) else {
                    progress.cursor = events[i].seq
                    i += 1
                    continue
                }
                var batch = [events[i]]
                var j = i + 1
                while batch.count < record.batchSize, j < events.count {
                    if filter.matches(events[j].type) { batch.append(events[j]) }
                    j += 1
                }
                // A batch ends at its last matching event; skipped events after it are passed next round.
                let outcome = await send(batch, record: record)
                report.requests += 1
                let now = clock.now()
                let decision = machine.decide(previous: retry, outcome: outcome, subscription: id, position: batch[0].seq, now: now)
                if case .delivered = decision {
                    if let r = retry { progress.resolvedRetry = (r, now) }
                    retry = nil
                    progress.cursor = batch.last!.seq
                    report.delivered += batch.count
                    i = events.firstIndex { $0.seq == batch.last!.seq }! + 1
                    continue
                }
                progress.failure = decision
                report.failedAttempts += 1
                switch decision {
                case .retry(let s): report.nextAttemptAt = s.nextAttemptAt
                case .disable: report.disabled.append(id)
                case .delivered: break
                }
                break
            }
            // On the store's writer thread: the commit's fsync must not park a cooperative thread.
            let subscriptions = self.subscriptions, finished = progress
            let written = try await store.onWriterThread { try subscriptions.commit(finished) }
            // Not written: a replay or an update changed the subscription meanwhile; the next pass starts
            // from its new state.
            if !written || progress.failure != nil { break }
        }
        return report
    }

    /// Sends one request; any transport failure (including the timeout) becomes an outcome, never an error.
    private func send(_ batch: [RecordedEvent], record: SubscriptionRecord) async -> DeliveryOutcome {
        let body: [UInt8]
        let id: String
        let contentType: String
        if record.batchSize == 1 {
            body = batch[0].cloudEvent(source: source).canonicalBytes()
            id = batch[0].id
            contentType = "application/cloudevents+json"
        } else {
            body = JSONValue.array(batch.map { $0.cloudEvent(source: source) }).canonicalBytes()
            id = "\(store.storeId):\(batch[0].seq.value)-\(batch.last!.seq.value)"
            contentType = "application/cloudevents-batch+json"
        }
        let now = clock.now()
        var headers = WebhookSigner.headers(secrets: record.activeSecrets(at: now), id: id,
                                            timestamp: now.millisecondsSinceEpoch / 1000, body: body)
        headers.append(("Content-Type", contentType))
        headers.append(("User-Agent", "HireLedger-Webhooks/1"))
        let request = HTTPRequest(method: "POST", url: record.url, headers: headers, body: body, timeout: requestTimeout)
        do {
            let response = try await transport.send(request)
            return .response(status: response.status, retryAfter: response.header("Retry-After"))
        } catch let error as HTTPTransportError {
            return .noResponse(detail: error.description, timedOut: error.kind == .timedOut)
        } catch {
            return .noResponse(detail: "\(error)", timedOut: false)
        }
    }
}

/// What one `WebhookDispatcher.deliverOnce()` pass did.
public struct DeliveryReport: Sendable, Hashable {
    /// Events delivered with a 2xx, over all subscriptions.
    public var delivered = 0
    /// Requests sent (a batch counts once).
    public var requests = 0
    /// Attempts that failed (each stops its subscription's pass until its retry time).
    public var failedAttempts = 0
    /// Subscriptions disabled in this pass (410 Gone or sustained failure).
    public var disabled: [String] = []
    /// The earliest retry time among subscriptions that are waiting to retry, if any.
    public var nextAttemptAt: Timestamp?

    public init() {}

    mutating func merge(_ o: DeliveryReport) {
        delivered += o.delivered
        requests += o.requests
        failedAttempts += o.failedAttempts
        disabled += o.disabled
        if let n = o.nextAttemptAt { nextAttemptAt = min(nextAttemptAt ?? n, n) }
    }
}
