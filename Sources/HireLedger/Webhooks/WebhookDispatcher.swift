import AshbyAPI
import CurlHTTP
import HireLedgerCore
import Synchronization

/// Delivers the log to webhook subscribers: signed (Standard Webhooks), in order, at least once, with a
/// durable cursor per subscription in LMDB.
///
/// Per subscription, events go out one request at a time in log order: one CloudEvent per request
/// (`Content-Type: application/cloudevents+json`, structured mode of the CloudEvents HTTP binding), or
/// with `batchSize` > 1 a JSON array of up to that many (`application/cloudevents-batch+json`; a batch
/// is filled to `batchSize` whenever the log holds that many matching events). Headers: `webhook-id`
/// (the event id `<storeId>:<seq>`; for a batch `<storeId>:<first>-<last>`), `webhook-timestamp`,
/// `webhook-signature` (one `v1,` entry per valid secret: two during a rotation overlap).
///
/// At least once: the cursor only ever moves past events that got a 2xx (or do not match the
/// subscription's types), and is committed together with the outcome after every `commitEvery` events
/// and at every failure; a process killed in between re-sends at most those events, in order. A failure
/// stops that subscription's pass; `WebhookRetryStateMachine` decides when to try the same event again
/// and when to disable (410 Gone, or failures lasting `policy.giveUpAfter`). A request cut short by
/// cancellation (shutdown) is not a failure: nothing is recorded and the event is sent again later.
///
/// Fairness: `run()` gives every active subscription a loop of its own, with its own schedule; a
/// backlog, a slow receiver or a retry wait of one never delays another.
///
/// One deliverer per store: with a `DelivererLease`, `run()` and `deliverOnce()` deliver only while
/// holding the store's lease (renewed every `lease.renewInterval`), and every cursor commit checks it.
/// Without one (tests, benchmarks), nothing stops a second dispatcher on the same store.
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
    public let lease: DelivererLease?
    /// Until when the lease is known held (nil: not held, or no lease).
    private let leaseHeldUntil = Mutex<Timestamp?>(nil)
    private let leaseClock = SystemWebhookClock()

    /// - Parameters:
    ///   - source: the CloudEvents `source` (default `urn:hireledger:store:<storeId>`, as `events` prints).
    ///   - requestTimeout: seconds a delivery may take; a timeout counts as a failed attempt.
    ///   - commitEvery: most events delivered between two cursor commits (each commit waits for an fsync).
    ///   - pollInterval: in `run()`, longest wait before looking for new events without a `wake()`
    ///     (another process, such as a cron `sync`, appends without telling).
    ///   - lease: the store's deliverer lease; nil delivers without one.
    public init(store: LedgerStore, subscriptions: SubscriptionStore, transport: any HTTPTransport,
                clock: any WebhookClock = SystemWebhookClock(), policy: RetryPolicy = .webhookDelivery(),
                source: String? = nil, requestTimeout: Double = 10, commitEvery: Int = 256, pollInterval: Double = 1,
                lease: DelivererLease? = nil) {
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
        self.lease = lease
    }

    /// Tells a running `run()` that new events may be in the log.
    public func wake() { wakeSignal.signal() }

    /// Delivers everything due now to every active subscription, then returns: each subscription until
    /// it is caught up with the log, or until an attempt fails (its retry time is then in
    /// `nextAttemptAt`). For `hireledger deliver --once` from cron.
    ///
    /// - Throws: `WebhookDispatcherError.leaseHeld` when another deliverer holds the store's lease
    ///   (nothing is sent), `.leaseLost` when it was taken over meanwhile.
    public func deliverOnce() async throws -> DeliveryReport {
        try await holdingLease {
            let ids = try self.subscriptions.records().filter { if case .active = $0.status { true } else { false } }.map(\.id)
            return try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
                for id in ids { group.addTask { try await self.deliver(subscription: id) } }
                var total = DeliveryReport()
                for try await r in group { total.merge(r) }
                return total
            }
        }
    }

    /// Delivers until the task is cancelled: each active subscription in a loop of its own (a pass,
    /// then a wait for `wake()`, its next retry time or `pollInterval`, whichever comes first). With a
    /// lease held by another deliverer, waits for it (calling `onLeaseWait` once per wait) and takes
    /// over when it is released or expires. Throws `CancellationError` when cancelled; store errors end it.
    public func run(onLeaseWait: @escaping @Sendable (_ holder: String, _ until: Timestamp) -> Void = { _, _ in }) async throws {
        guard let lease else { return try await runLoops() }
        var announced = false
        while true {
            try Task.checkCancellation()
            do {
                try await holdingLease { try await self.runLoops() }
            } catch WebhookDispatcherError.leaseHeld(let holder, let until) {
                if !announced { onLeaseWait(holder, until) }
                announced = true
                let left = Double(until.millisecondsSinceEpoch - leaseClock.now().millisecondsSinceEpoch) / 1000
                try await Task.sleep(for: .milliseconds(Int(1000 * min(lease.renewInterval, max(0.2, left + 0.05)))))
            } catch WebhookDispatcherError.leaseLost {
                announced = false
            }
        }
    }

    /// Runs `body` while holding the lease (if any): acquires it (or throws `.leaseHeld`), renews it
    /// every `renewInterval` beside `body`, cancels `body` and throws `.leaseLost` if another deliverer
    /// took it, and releases it when `body` ends.
    private func holdingLease<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let lease else { return try await body() }
        switch try await store.onWriterThread({ try lease.acquire() }) {
        case .held(let until): leaseHeldUntil.withLock { $0 = until }
        case .heldByOther(let holder, let until): throw WebhookDispatcherError.leaseHeld(holder: holder, until: until)
        }
        do {
            let result = try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    while true {
                        try await Task.sleep(for: .milliseconds(Int(lease.renewInterval * 1000)))
                        switch try await self.store.onWriterThread({ try lease.acquire() }) {
                        case .held(let until): self.leaseHeldUntil.withLock { $0 = until }
                        case .heldByOther: throw WebhookDispatcherError.leaseLost
                        }
                    }
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let value = next { return value }
                }
                throw CancellationError()
            }
            leaseHeldUntil.withLock { $0 = nil }
            _ = try? await store.onWriterThread { lease.release() }
            return result
        } catch {
            leaseHeldUntil.withLock { $0 = nil }
            _ = try? await store.onWriterThread { lease.release() }
            throw error
        }
    }

    /// Whether a request may start now: no lease, or the lease is held for longer than the request can take.
    private var leaseAllowsSending: Bool {
        guard lease != nil else { return true }
        guard let until = leaseHeldUntil.withLock({ $0 }) else { return false }
        return Double(until.millisecondsSinceEpoch - leaseClock.now().millisecondsSinceEpoch) / 1000 > requestTimeout + 0.5
    }

    /// One loop per active subscription, started as subscriptions appear; a loop ends when its
    /// subscription is removed or disabled. The first store error in any loop ends them all.
    private func runLoops() async throws {
        // Shared by the loops' tasks; a class, since a `Mutex` itself cannot be captured.
        final class LoopsState: Sendable {
            let failure = Mutex<(any Error)?>(nil)
            let live = Mutex<Set<String>>([])
        }
        let shared = LoopsState()
        // A discarding group: a loop ends when its subscription is deleted or paused, and a plain task
        // group keeps every finished child until it is awaited, which this loop never does (the 10-minute
        // soak, creating and deleting subscriptions all along, saw the heap grow by 61 % from that).
        try await withThrowingDiscardingTaskGroup { group in
            defer { group.cancelAll() }
            while true {
                try Task.checkCancellation()
                if let error = shared.failure.withLock({ $0 }) { throw error }
                let seen = wakeSignal.generation
                let ids = try subscriptions.records().filter { if case .active = $0.status { true } else { false } }.map(\.id)
                for id in ids where shared.live.withLock({ $0.insert(id).inserted }) {
                    group.addTask {
                        defer { shared.live.withLock { _ = $0.remove(id) } }
                        do {
                            try await self.subscriptionLoop(id)
                        } catch is CancellationError {
                        } catch {
                            shared.failure.withLock { if $0 == nil { $0 = error } }
                            self.wakeSignal.signal()
                        }
                    }
                }
                await pause(since: seen, seconds: pollInterval)
            }
        }
    }

    /// One subscription on its own schedule: passes while there is work, else waits for a wake, its
    /// retry time or the poll interval.
    private func subscriptionLoop(_ id: String) async throws {
        while true {
            try Task.checkCancellation()
            let seen = wakeSignal.generation
            let report = try await deliver(subscription: id)
            try Task.checkCancellation()
            guard let record = try subscriptions.record(id), case .active = record.status else { return }
            if report.delivered > 0 && report.failedAttempts == 0 { continue }
            var wait = pollInterval
            if let next = record.retry?.nextAttemptAt {
                wait = min(wait, max(0, Double(next.millisecondsSinceEpoch - clock.now().millisecondsSinceEpoch) / 1000))
            }
            await pause(since: seen, seconds: wait)
        }
    }

    /// Waits for a wake after `seen`, or `seconds`, whichever comes first.
    private func pause(since seen: UInt64, seconds: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.clock.sleep(seconds: seconds) }
            group.addTask { await self.wakeSignal.wait(since: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    /// One subscription's pass.
    private func deliver(subscription id: String) async throws -> DeliveryReport {
        var report = DeliveryReport()
        while !Task.isCancelled {
            guard var record = try subscriptions.record(id), case .active = record.status else { break }
            if record.hasExpiredSecrets(at: clock.now()) {
                let subscriptions = self.subscriptions
                _ = try await store.onWriterThread { try subscriptions.purgeExpiredSecrets(id) }
                guard let purged = try subscriptions.record(id) else { break }
                record = purged
            }
            if let retry = record.retry, retry.nextAttemptAt > clock.now() {
                report.nextAttemptAt = retry.nextAttemptAt
                break
            }
            var events = try store.events(after: record.cursor, limit: commitEvery)
            if events.isEmpty { break }
            let filter = EventTypeFilter(record.types)
            var progress = SubscriptionStore.Progress(id: id, generation: record.generation, baseCursor: record.cursor,
                                                      cursor: record.cursor, resolvedRetry: nil, failure: nil)
            var retry = record.retry
            var stopped = false
            var i = 0
            while i < events.count {
                guard filter.matches(events[i].type) else {
                    progress.cursor = events[i].seq
                    i += 1
                    continue
                }
                var batch = [events[i]]
                var j = i + 1
                while batch.count < record.batchSize {
                    if j == events.count {
                        // Fill the batch across the read boundary when the log holds more.
                        let more = try store.events(after: events[j - 1].seq, limit: max(commitEvery, record.batchSize))
                        if more.isEmpty { break }
                        events += more
                    }
                    if filter.matches(events[j].type) { batch.append(events[j]) }
                    j += 1
                }
                // A batch ends at its last matching event; skipped events after it are passed next round.
                guard leaseAllowsSending, !Task.isCancelled else { stopped = true; break }
                guard let outcome = await send(batch, record: record) else { stopped = true; break }
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
            let subscriptions = self.subscriptions, finished = progress, lease = self.lease
            let written = try await store.onWriterThread { try subscriptions.commit(finished, lease: lease) }
            // Not written: a replay or an update changed the subscription meanwhile (the next pass starts
            // from its new state), or the lease was lost (the new holder goes on from the stored cursor).
            if !written || progress.failure != nil || stopped { break }
        }
        return report
    }

    /// Sends one request; any transport failure (including the timeout) becomes an outcome, never an
    /// error. nil when the calling task was cancelled (shutdown): that is not the endpoint's failure.
    private func send(_ batch: [RecordedEvent], record: SubscriptionRecord) async -> DeliveryOutcome? {
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
            if Task.isCancelled { return nil }
            return .response(status: response.status, retryAfter: response.header("Retry-After"))
        } catch let error as HTTPTransportError {
            if Task.isCancelled || error.kind == .cancelled { return nil }
            return .noResponse(detail: WebhookURL.maskingURLs(in: error.description), timedOut: error.kind == .timedOut)
        } catch {
            if Task.isCancelled || error is CancellationError { return nil }
            return .noResponse(detail: WebhookURL.maskingURLs(in: "\(error)"), timedOut: false)
        }
    }
}

/// Why a dispatcher did not deliver.
public enum WebhookDispatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another deliverer holds the store's lease (`holder`: role, pid and host) until `until` unless it
    /// renews it.
    case leaseHeld(holder: String, until: Timestamp)
    /// The lease was taken over by another deliverer while this one held it (it stalled past expiry).
    case leaseLost

    public var description: String {
        switch self {
        case .leaseHeld(let holder, let until):
            return "another deliverer (\(holder)) is delivering this store's webhooks (its lease runs until \(until.iso8601) "
                + "unless renewed); run one deliverer per store: 'serve --no-webhooks' beside 'deliver', or 'serve' alone"
        case .leaseLost:
            return "this deliverer lost the store's delivery lease to another one (it stalled longer than the lease)"
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
