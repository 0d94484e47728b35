import HireLedgerCore

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
