extension RetryPolicy {
    /// The jittered delay after `failures` consecutive failures of delivering `position` to
    /// `subscription`: the jitter draw is a hash of `seed`, the subscription, the event and the count,
    /// so a test can predict it and separate subscribers do not retry in lockstep.
    public func delay(afterFailures failures: Int, subscription: String, position: LogPosition) -> Double {
        guard jitter > 0 else { return baseDelay(afterFailures: failures) }
        var h = (seed ?? 0) ^ (position.value &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(truncatingIfNeeded: failures)
        for byte in subscription.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var mixer = SplitMix64(seed: h)
        return delay(afterFailures: failures, unit: mixer.unit())
    }
}
