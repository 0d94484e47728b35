/// What came back from one delivery attempt.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The endpoint answered with `status`; `retryAfter` is the raw `Retry-After` header, if any.
    case response(status: Int, retryAfter: String?)
    /// No answer: refused, reset, unresolvable, or the per-request timeout fired (`timedOut`).
    /// `detail` must not contain secrets (transport errors carry the URL without user info).
    case noResponse(detail: String, timedOut: Bool)

    /// A short text for failure listings: `HTTP 503`, `timed out: ...`.
    public var summary: String {
        switch self {
        case .response(let status, _): return "HTTP \(status)"
        case .noResponse(let detail, let timedOut): return timedOut ? "timed out: \(detail)" : "no response: \(detail)"
        }
    }
}

/// The retry bookkeeping of the event at the head of a subscription (the one not yet delivered), kept
/// while it keeps failing.
public struct DeliveryRetryState: Sendable, Hashable {
    /// The event being retried.
    public var position: LogPosition
    /// Failed attempts so far (≥ 1).
    public var attempts: Int
    /// When the current streak of failures began (the first failed attempt).
    public var firstFailureAt: Timestamp
    public var lastAttemptAt: Timestamp
    /// The last failure, e.g. `HTTP 503` or `timed out: ...`.
    public var lastError: String
    /// The last HTTP status, nil when no response came.
    public var lastStatus: Int?
    /// Not before this time will the event be sent again.
    public var nextAttemptAt: Timestamp

    public init(position: LogPosition, attempts: Int, firstFailureAt: Timestamp, lastAttemptAt: Timestamp,
                lastError: String, lastStatus: Int?, nextAttemptAt: Timestamp) {
        self.position = position
        self.attempts = attempts
        self.firstFailureAt = firstFailureAt
        self.lastAttemptAt = lastAttemptAt
        self.lastError = lastError
        self.lastStatus = lastStatus
        self.nextAttemptAt = nextAttemptAt
    }
}

/// What to do after an attempt.
public enum DeliveryDecision: Sendable, Hashable {
    /// 2xx: advance the cursor past the event.
    case delivered
    /// Keep the cursor; try the same event again at `state.nextAttemptAt`.
    case retry(DeliveryRetryState)
    /// Stop delivering to this subscription; `state` records the last failure.
    case disable(reason: String, state: DeliveryRetryState)
}

/// The delivery state machine for the event at a subscription's head: given the previous retry state
/// (nil on a first attempt), the outcome and the time, it decides. Pure: no clock, no I/O; the
/// dispatcher supplies `now`, so tests walk through days of retries without waiting.
///
/// Rules: any 2xx delivers. 410 Gone disables at once. Every other status and every missing response
/// (including a timeout) is a failure, retried with the policy's backoff; a 429 or 503 with a readable
/// `Retry-After` waits that long instead (at most `maxRetryAfter`). A failure that comes
/// `giveUpAfter` seconds or more after the first failure of the streak disables the subscription.
public struct WebhookRetryStateMachine: Sendable {
    public var policy: RetryPolicy

    public init(policy: RetryPolicy = .webhookDelivery()) { self.policy = policy }

    public func decide(previous: DeliveryRetryState?, outcome: DeliveryOutcome, subscription: String,
                       position: LogPosition, now: Timestamp) -> DeliveryDecision {
        var status: Int?
        var retryAfter: String?
        if case .response(let s, let ra) = outcome {
            if (200..<300).contains(s) { return .delivered }
            status = s
            retryAfter = ra
        }
        // A retry state for another event (the cursor moved by a replay) does not carry over.
        let carried = previous?.position == position ? previous : nil
        let attempts = (carried?.attempts ?? 0) + 1
        let firstFailure = carried?.firstFailureAt ?? now
        var state = DeliveryRetryState(position: position, attempts: attempts, firstFailureAt: firstFailure, lastAttemptAt: now,
                                       lastError: outcome.summary, lastStatus: status, nextAttemptAt: now)
        if status == 410 {
            return .disable(reason: "the endpoint answered 410 Gone (it asked for no more deliveries)", state: state)
        }
        let failingFor = Double(now.millisecondsSinceEpoch - firstFailure.millisecondsSinceEpoch) / 1000
        if failingFor >= policy.giveUpAfter {
            return .disable(reason: "deliveries failed for \(Self.duration(failingFor)) since \(firstFailure.iso8601) "
                                + "(\(attempts) attempts; last: \(outcome.summary))", state: state)
        }
        var delay = policy.delay(afterFailures: attempts, subscription: subscription, position: position)
        if let status, status == 429 || status == 503, let header = retryAfter,
           let seconds = HTTPRetryAfter.seconds(header, now: now) {
            delay = min(seconds, policy.maxRetryAfter)
        }
        state.nextAttemptAt = now.adding(milliseconds: Int64((delay * 1000).rounded(.up)))
        return .retry(state)
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 3600 ? "\(Int(seconds / 3600)) h \(Int(seconds.truncatingRemainder(dividingBy: 3600) / 60)) min"
            : "\(Int(seconds / 60)) min \(Int(seconds.truncatingRemainder(dividingBy: 60))) s"
    }
}
