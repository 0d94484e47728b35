/// How a request that failed for a reason that may pass is retried: exponential backoff with jitter,
/// a `Retry-After` from the server honoured up to a cap, within an attempt count and a time budget.
/// HireLedger has two configurations of it, `ashbyClient` (reads from Ashby: seconds, a few attempts)
/// and `webhookDelivery` (deliveries to subscribers: hours, until the subscription is given up on).
///
/// Delay after `n` consecutive failures (n ≥ 1): `min(maxDelay, initialDelay × multiplier^(n−1))`, then
/// jittered with a uniform draw `u` in [0, 1) that the caller supplies (a seeded generator, or a hash
/// of what is being retried): `.downward` takes up to `jitter` of the delay away (`d × (1 − jitter·u)`,
/// never above the cap); `.symmetric` moves it up or down by up to `jitter` (`d × (1 + jitter·(2u − 1))`).
/// Jitter keeps clients that failed together from retrying together.
///
/// Rules for callers: stop after `maxAttempts` attempts, or once failures have lasted `giveUpAfter`
/// seconds (measured from the first failure of the streak, or the first attempt); a `Retry-After` on
/// 429/503 replaces the computed delay, cut to `maxRetryAfter`.
public struct RetryPolicy: Sendable, Hashable {
    /// How jitter moves a delay.
    public enum JitterMode: Sendable, Hashable {
        /// Down only, by up to `jitter` of the delay.
        case downward
        /// Up or down, by up to `jitter` of the delay.
        case symmetric
    }

    /// Attempts including the first; 1 disables retries, `Int.max` leaves only the time budget.
    public var maxAttempts: Int
    /// Delay after the first failure, in seconds.
    public var initialDelay: Double
    /// Growth factor per further failure.
    public var multiplier: Double
    /// Upper bound of one computed delay, in seconds (before symmetric jitter).
    public var maxDelay: Double
    /// Fraction (0…1) of each delay that jitter may move.
    public var jitter: Double
    public var jitterMode: JitterMode
    /// Seconds of failure after which no new attempt is scheduled.
    public var giveUpAfter: Double
    /// Longest `Retry-After` honoured, in seconds; longer values are cut to it.
    public var maxRetryAfter: Double
    /// Seed for the jitter draws; nil: the caller seeds from the system's randomness. Fix it in tests.
    public var seed: UInt64?

    public init(maxAttempts: Int, initialDelay: Double, multiplier: Double = 2, maxDelay: Double, jitter: Double,
                jitterMode: JitterMode, giveUpAfter: Double, maxRetryAfter: Double, seed: UInt64?) {
        precondition(maxAttempts >= 1, "RetryPolicy.maxAttempts must be at least 1")
        precondition(initialDelay >= 0 && maxDelay >= 0 && multiplier >= 1,
                     "RetryPolicy delays must grow from a non-negative start")
        precondition(giveUpAfter >= 0 && maxRetryAfter >= 0, "RetryPolicy durations must not be negative")
        precondition((0...1).contains(jitter), "RetryPolicy.jitter must be between 0 and 1")
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.jitterMode = jitterMode
        self.giveUpAfter = giveUpAfter
        self.maxRetryAfter = maxRetryAfter
        self.seed = seed
    }

    /// Reads from Ashby: six attempts, 0.5 s doubling to at most 30 s, up to half of each delay taken
    /// away at random, five minutes in all. A `Retry-After` is honoured as long as it fits the budget.
    public static func ashbyClient(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30, jitter: Double = 0.5,
                                   totalBudget: Double = 300, seed: UInt64? = nil) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialDelay: baseDelay, maxDelay: maxDelay, jitter: jitter,
                    jitterMode: .downward, giveUpAfter: totalBudget, maxRetryAfter: .infinity, seed: seed)
    }

    /// Webhook deliveries: 5 s, 10 s, 20 s, ... up to one attempt an hour, ±20 % jitter keyed by the
    /// subscription and event (so tests can predict it), `Retry-After` up to 6 h, and the subscription
    /// disabled after 24 h of failure: about 30 attempts.
    public static func webhookDelivery(initialDelay: Double = 5, multiplier: Double = 2, maximumDelay: Double = 3600,
                                       jitter: Double = 0.2, jitterSeed: UInt64 = 0x5eed_0f_4e_11ed_9e4,
                                       maximumRetryAfter: Double = 6 * 3600, giveUpAfter: Double = 24 * 3600) -> RetryPolicy {
        RetryPolicy(maxAttempts: .max, initialDelay: initialDelay, multiplier: multiplier, maxDelay: maximumDelay,
                    jitter: jitter, jitterMode: .symmetric, giveUpAfter: giveUpAfter, maxRetryAfter: maximumRetryAfter,
                    seed: jitterSeed)
    }

    /// The Ashby client's default.
    public static let `default` = RetryPolicy.ashbyClient()
    /// One attempt, no retries.
    public static let none = RetryPolicy.ashbyClient(maxAttempts: 1)

    /// The delay (seconds) after `failures` consecutive failures (≥ 1), before jitter.
    public func baseDelay(afterFailures failures: Int) -> Double {
        var delay = initialDelay
        var n = 1
        while n < failures && delay < maxDelay {
            delay *= multiplier
            n += 1
            if delay == 0 { break }
        }
        return min(delay, maxDelay)
    }

    /// The jittered delay after `failures` consecutive failures, given a uniform `unit` in [0, 1).
    public func delay(afterFailures failures: Int, unit: Double) -> Double {
        let base = baseDelay(afterFailures: failures)
        switch jitterMode {
        case .downward: return base * (1 - jitter * unit)
        case .symmetric: return base * (1 + jitter * (2 * unit - 1))
        }
    }
}
