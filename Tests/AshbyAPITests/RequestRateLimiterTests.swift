import AshbyAPI
import Testing

struct RequestRateLimiterTests {
    @Test func pacesRequestsToTheConfiguredRate() async throws {
        let clock = ManualAshbyClock()
        let limiter = RequestRateLimiter(requestsPerSecond: 2, burst: 1, clock: clock)
        for _ in 0..<5 { try await limiter.acquire() }
        // First token is there; each later one is due 0.5 s after the previous.
        #expect(clock.sleeps == [0.5, 0.5, 0.5, 0.5])
        #expect(clock.monotonicNow() == 2)
    }

    @Test func aFullBucketAllowsABurstAfterQuiet() async throws {
        let clock = ManualAshbyClock()
        let limiter = RequestRateLimiter(requestsPerSecond: 1, burst: 3, clock: clock)
        for _ in 0..<3 { try await limiter.acquire() }
        #expect(clock.sleeps.isEmpty)
        try await limiter.acquire()
        #expect(clock.sleeps == [1])
        clock.advance(seconds: 10)
        for _ in 0..<3 { try await limiter.acquire() }
        #expect(clock.sleeps == [1])
    }

    @Test func slowCallersNeverWait() async throws {
        let clock = ManualAshbyClock()
        let limiter = RequestRateLimiter(requestsPerSecond: 100.0 / 60, clock: clock)
        for _ in 0..<5 {
            try await limiter.acquire()
            clock.advance(seconds: 1)
        }
        #expect(clock.sleeps.isEmpty)
    }
}
