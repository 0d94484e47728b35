/// How failed webhook deliveries are retried and when a subscription is given up on.
///
/// Delay before attempt n+1 after n consecutive failures: `initialDelay × multiplier^(n−1)`, capped at
/// `maximumDelay`, then spread by ±`jitter` (a fraction) with a deterministic pseudo-random draw keyed by
/// `jitterSeed`, the subscription and the event, so tests can predict it and separate subscribers do not
/// retry in lockstep. A `Retry-After` on 429 or 503 replaces the computed delay (capped at
/// `maximumRetryAfter`). When failures have lasted `giveUpAfter` seconds (measured from the first failure
/// of the current streak), the subscription is disabled with the reason.
///
/// The defaults retry about 30 times over 24 hours: 5 s, 10 s, 20 s, ... up to one attempt an hour.
public struct WebhookRetryPolicy: Sendable, Hashable {
    public var initialDelay: Double
    public var multiplier: Double
    public var maximumDelay: Double
    /// Fraction of the delay, 0 ... 1, by which it is moved up or down at random.
    public var jitter: Double
    public var jitterSeed: UInt64
    /// Longest `Retry-After` honoured, in seconds; longer values are cut to it.
    public var maximumRetryAfter: Double
    /// Seconds of uninterrupted failure after which the subscription is disabled.
    public var giveUpAfter: Double

    public init(initialDelay: Double = 5, multiplier: Double = 2, maximumDelay: Double = 3600, jitter: Double = 0.2,
                jitterSeed: UInt64 = 0x5eed_0f_4e_11ed_9e4, maximumRetryAfter: Double = 6 * 3600,
                giveUpAfter: Double = 24 * 3600) {
        precondition(initialDelay > 0 && multiplier >= 1 && maximumDelay >= initialDelay, "retry delays must grow from a positive start")
        precondition((0...1).contains(jitter), "jitter is a fraction between 0 and 1")
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maximumDelay = maximumDelay
        self.jitter = jitter
        self.jitterSeed = jitterSeed
        self.maximumRetryAfter = maximumRetryAfter
        self.giveUpAfter = giveUpAfter
    }

    /// The delay (seconds) after `failures` consecutive failures (≥ 1) of delivering `position` to
    /// `subscription`, before jitter.
    public func baseDelay(afterFailures failures: Int) -> Double {
        var delay = initialDelay
        var n = 1
        while n < failures && delay < maximumDelay {
            delay *= multiplier
            n += 1
        }
        return min(delay, maximumDelay)
    }

    /// The jittered delay: `baseDelay × (1 + jitter × (2u − 1))` with `u` in [0, 1) drawn from the seed.
    public func delay(afterFailures failures: Int, subscription: String, position: LogPosition) -> Double {
        let base = baseDelay(afterFailures: failures)
        guard jitter > 0 else { return base }
        var h = jitterSeed ^ (position.value &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(truncatingIfNeeded: failures)
        for byte in subscription.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let u = Double(Self.splitMix(h) >> 11) / Double(1 << 53)
        return base * (1 + jitter * (2 * u - 1))
    }

    /// SplitMix64's output function: a well-mixed 64-bit value from any input.
    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
