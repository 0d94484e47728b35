/// How the client retries a read that failed for a reason that may pass: HTTP 429, 408 and 5xx,
/// retryable transport errors, and a 200 whose body is cut off or unparsable (almost always a
/// truncated transfer). Logical errors (401, 403, `success: false` codes) are never retried.
///
/// Delay before retry `n` (1-based): `Retry-After` when the server sent one on 429/503, otherwise
/// `min(maxDelay, baseDelay · 2^(n-1))` reduced by a random fraction of up to `jitter` of itself (so
/// clients that failed together do not retry together). The call gives up after `maxAttempts`
/// attempts, or earlier when the next wait would end past `totalBudget` seconds from the first attempt.
public struct RetryPolicy: Sendable {
    /// Attempts including the first; 1 disables retries.
    public var maxAttempts: Int
    /// Backoff before the first retry, in seconds.
    public var baseDelay: Double
    /// Upper bound of one backoff delay, in seconds.
    public var maxDelay: Double
    /// Fraction (0…1) of each backoff delay that is randomised away.
    public var jitter: Double
    /// Seconds from the first attempt after which no new wait starts.
    public var totalBudget: Double
    /// Seed for the jitter generator; nil seeds from the system's randomness. Fix it in tests.
    public var seed: UInt64?

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30, jitter: Double = 0.5,
                totalBudget: Double = 300, seed: UInt64? = nil) {
        precondition(maxAttempts >= 1, "RetryPolicy.maxAttempts must be at least 1")
        precondition(baseDelay >= 0 && maxDelay >= 0 && totalBudget >= 0, "RetryPolicy durations must not be negative")
        precondition((0...1).contains(jitter), "RetryPolicy.jitter must be between 0 and 1")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.totalBudget = totalBudget
        self.seed = seed
    }

    /// Six attempts, 0.5 s doubling to at most 30 s, half jitter, five minutes in total.
    public static let `default` = RetryPolicy()
    /// One attempt, no retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before retry number `retry` (1-based), given a uniform random `unit` in [0, 1).
    public func backoff(retry: Int, unit: Double) -> Double {
        let exponent = Double(min(max(retry - 1, 0), 62))
        let raw = min(maxDelay, baseDelay * pow2(exponent))
        return raw * (1 - jitter * unit)
    }

    private func pow2(_ e: Double) -> Double {
        var r = 1.0
        for _ in 0..<Int(e) { r *= 2; if r > 1e12 { break } }
        return r
    }
}
