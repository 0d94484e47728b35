import AshbyAPI
import CurlHTTP
import HireLedgerCore
import Synchronization
import Testing

/// The budget's cap adapts: it grows by one per cap's worth of successful replies up to the ceiling, and
/// halves (once per window of requests) when Ashby refuses for a rate limit.
struct AdaptiveRequestBudgetTests {
    @Test func theCapStartsWhereToldAndGrowsByOnePerCapSuccessesUpToTheCeiling() async throws {
        let budget = RequestBudget(maxConcurrentRequests: 6, startingConcurrentRequests: 2)
        #expect(budget.currentConcurrentRequests == 2)
        var caps: [Int] = []
        for _ in 0..<30 {
            let slot = try await budget.acquire()
            budget.release(slot, succeeded: true)
            caps.append(budget.currentConcurrentRequests)
        }
        // 2 successes at cap 2, then 3 at 3, 4 at 4, 5 at 5; never above 6.
        #expect(Array(caps.prefix(14)) == [2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6])
        #expect(caps.allSatisfy { $0 <= 6 })
        #expect(caps.last == 6)
        #expect(budget.peakConcurrentRequests == 6)
    }

    @Test func failedAttemptsDoNotGrowTheCap() async throws {
        let budget = RequestBudget(maxConcurrentRequests: 8, startingConcurrentRequests: 2)
        for _ in 0..<20 {
            let slot = try await budget.acquire()
            budget.release(slot, succeeded: false)
        }
        #expect(budget.currentConcurrentRequests == 2)
    }

    @Test func aStartAboveTheCeilingOrBelowOneIsClamped() {
        #expect(RequestBudget(maxConcurrentRequests: 3, startingConcurrentRequests: 10).currentConcurrentRequests == 3)
        #expect(RequestBudget(maxConcurrentRequests: 3, startingConcurrentRequests: 0).currentConcurrentRequests == 1)
        #expect(RequestBudget(maxConcurrentRequests: 5).currentConcurrentRequests == 5)
    }

    @Test func refusalsOfOneWindowHalveTheCapOnceAndLaterOnesAgainDownToOne() async throws {
        let budget = RequestBudget(maxConcurrentRequests: 16)
        var slots: [RequestBudget.Slot] = []
        for _ in 0..<16 { slots.append(try await budget.acquire()) }
        // All sixteen were sent under the cap of 16: their refusals are one event.
        for slot in slots { budget.rateLimited(slot, pauseSeconds: 0) }
        #expect(budget.currentConcurrentRequests == 8)
        #expect(budget.reductions == 1)
        for slot in slots { budget.release(slot, succeeded: false) }
        // Requests sent after the halving carry news: each refused window halves again.
        var caps: [Int] = []
        for _ in 0..<5 {
            let slot = try await budget.acquire()
            budget.rateLimited(slot, pauseSeconds: 0)
            budget.release(slot, succeeded: false)
            caps.append(budget.currentConcurrentRequests)
        }
        #expect(caps == [4, 2, 1, 1, 1])
        // And it climbs back once replies succeed.
        for _ in 0..<3 {
            let slot = try await budget.acquire()
            budget.release(slot, succeeded: true)
        }
        #expect(budget.currentConcurrentRequests == 3)
    }

    @Test func waitersBeyondAHalvedCapWaitUntilTheInFlightOnesDropBelowIt() async throws {
        let budget = RequestBudget(maxConcurrentRequests: 4)
        var slots: [RequestBudget.Slot] = []
        for _ in 0..<4 { slots.append(try await budget.acquire()) }
        budget.rateLimited(slots[0], pauseSeconds: 0)  // cap 2, four in flight
        let got = Count()
        let waiters = (0..<3).map { _ in
            Task {
                let slot = try await budget.acquire()
                got.add()
                return slot
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        budget.release(slots[0], succeeded: false)
        budget.release(slots[1], succeeded: false)  // two in flight: still none may go
        try await Task.sleep(for: .milliseconds(50))
        #expect(got.value == 0)
        budget.release(slots[2], succeeded: false)  // one in flight: one may go
        try await Task.sleep(for: .milliseconds(50))
        #expect(got.value == 1)
        budget.release(slots[3], succeeded: false)  // the second
        try await Task.sleep(for: .milliseconds(50))
        #expect(got.value == 2)
        #expect(budget.peakInFlight == 4)
        for waiter in waiters { waiter.cancel() }
        var held = 0
        for waiter in waiters { if let slot = try? await waiter.value { budget.release(slot, succeeded: true); held += 1 } }
        #expect(held >= 2)
    }

    @Test func aClientLearnsAServersConcurrencyLimit() async throws {
        // Ashby-like: more than 5 requests at once get 429 with Retry-After 1. Forty calls, sixteen at once
        // at first: the cap halves on the first refusals and stays near what the server takes (with
        // halving switched off it stays at 16, the run takes 7 s instead of 4 and twice the refusals).
        let transport = ConcurrencyLimitedTransport(limit: 5)
        let budget = RequestBudget(maxConcurrentRequests: 16)
        let client = AshbyClient(baseURL: "https://api.ashbyhq.test", apiKey: testKey(), transport: transport,
                                 retryPolicy: RetryPolicy.ashbyClient(maxAttempts: 4, baseDelay: 0.05, maxDelay: 1, jitter: 0,
                                                                      totalBudget: 30, seed: 7),
                                 clock: SystemAshbyClock()).withRequestBudget(budget)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask { _ = try await client.applicationHistory(applicationId: "application-\(i)") }
            }
            try await group.waitForAll()
        }
        #expect(transport.served == 40)
        #expect(budget.reductions >= 1, "the cap halved \(budget.reductions) times")
        #expect(budget.currentConcurrentRequests <= 8,
                "cap \(budget.currentConcurrentRequests) after \(transport.refused) refusals")
    }
}

/// Answers with 429 + `Retry-After: 1` whenever more than `limit` requests are in flight, else after 20 ms.
private final class ConcurrencyLimitedTransport: HTTPTransport {
    private struct State { var inFlight = 0; var served = 0; var refused = 0 }
    private let state = Mutex(State())
    let limit: Int
    init(limit: Int) { self.limit = limit }
    var served: Int { state.withLock { $0.served } }
    var refused: Int { state.withLock { $0.refused } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let refuse = state.withLock { s -> Bool in
            s.inFlight += 1
            if s.inFlight > limit { s.refused += 1; return true }
            return false
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if refuse {
            return HTTPResponse(status: 429, headers: [("Retry-After", "1")], body: errorEnvelope("rate_limit_exceeded").canonicalBytes())
        }
        try await Task.sleep(for: .milliseconds(20))
        state.withLock { $0.served += 1 }
        let body: JSONValue = ["success": true, "results": [], "moreDataAvailable": false]
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body.canonicalBytes())
    }
}

private final class Count: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
