import Synchronization

/// A token bucket that paces requests to a configured rate (e.g. the per-application history
/// backfill), with an injected clock so tests need no real time.
///
/// Each `acquire()` takes one token; when none is left it reserves the next one and sleeps until it
/// is due, so concurrent callers are served in call order at the configured rate. Up to `burst`
/// requests may go out back to back after a quiet period.
public final class RequestRateLimiter: Sendable {
    public let requestsPerSecond: Double
    public let burst: Int
    private let clock: any AshbyClock
    private struct Bucket { var tokens: Double; var updatedAt: Double }
    private let bucket: Mutex<Bucket>

    /// - Parameters:
    ///   - requestsPerSecond: sustained rate, > 0.
    ///   - burst: bucket size (≥ 1); the bucket starts full.
    public init(requestsPerSecond: Double, burst: Int = 1, clock: any AshbyClock = SystemAshbyClock()) {
        precondition(requestsPerSecond > 0 && requestsPerSecond.isFinite, "requestsPerSecond must be positive")
        precondition(burst >= 1, "burst must be at least 1")
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.clock = clock
        bucket = Mutex(Bucket(tokens: Double(burst), updatedAt: clock.monotonicNow()))
    }

    /// Waits until a request may be sent. Throws `CancellationError` if cancelled while waiting (the
    /// reserved slot is then lost, which only slows later callers slightly).
    public func acquire() async throws {
        let wait = reserve()
        if wait > 0 { try await clock.sleep(seconds: wait) }
    }

    /// Takes a token now, returning how long the caller must wait before using it.
    func reserve() -> Double {
        let now = clock.monotonicNow()
        return bucket.withLock { b in
            b.tokens = min(Double(burst), b.tokens + (now - b.updatedAt) * requestsPerSecond)
            b.updatedAt = now
            b.tokens -= 1
            return b.tokens >= 0 ? 0 : -b.tokens / requestsPerSecond
        }
    }
}
