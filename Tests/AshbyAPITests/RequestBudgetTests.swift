import AshbyAPI
import CurlHTTP
import HireLedgerCore
import Synchronization
import Testing

/// A transport that answers every request after a short real wait, counting how many are on the wire at
/// once, and answers the first `rateLimited` requests with 429 + `Retry-After`. It notes, on the real
/// clock, when each request reached it.
private final class CountingTransport: HTTPTransport {
    private struct State {
        var inFlight = 0
        var peak = 0
        var arrivals: [Double] = []
        /// The application each arrival asked about, in arrival order.
        var arrivalIds: [String] = []
        var rateLimitedLeft: Int
        var firstRefusalAt: Double?
    }
    private let state: Mutex<State>
    private let clock = SystemAshbyClock()
    let holdSeconds: Double
    let retryAfter: String

    init(holdSeconds: Double = 0.02, rateLimited: Int = 0, retryAfter: String = "1") {
        state = Mutex(State(rateLimitedLeft: rateLimited))
        self.holdSeconds = holdSeconds
        self.retryAfter = retryAfter
    }

    var peak: Int { state.withLock { $0.peak } }
    var arrivals: [Double] { state.withLock { $0.arrivals } }
    var firstRefusalAt: Double? { state.withLock { $0.firstRefusalAt } }
    var arrivalIds: [String] { state.withLock { $0.arrivalIds } }
    func now() -> Double { clock.monotonicNow() }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let now = clock.monotonicNow()
        let id = (try? JSONValue.parse(request.body))?.string("applicationId") ?? ""
        let refuse = state.withLock { s -> Bool in
            s.inFlight += 1
            s.peak = max(s.peak, s.inFlight)
            s.arrivals.append(now)
            s.arrivalIds.append(id)
            guard s.rateLimitedLeft > 0 else { return false }
            s.rateLimitedLeft -= 1
            if s.firstRefusalAt == nil { s.firstRefusalAt = now }
            return true
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if refuse {
            return HTTPResponse(status: 429, headers: [("Retry-After", retryAfter)], body: errorEnvelope("rate_limit_exceeded").canonicalBytes())
        }
        try await Task.sleep(for: .milliseconds(Int(holdSeconds * 1000)))
        let body: JSONValue = ["success": true, "results": [], "moreDataAvailable": false]
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body.canonicalBytes())
    }
}

struct RequestBudgetTests {
    private func client(_ transport: CountingTransport, budget: RequestBudget?) -> AshbyClient {
        AshbyClient(baseURL: "https://api.ashbyhq.test", apiKey: testKey(), transport: transport,
                    retryPolicy: RetryPolicy.ashbyClient(maxAttempts: 4, baseDelay: 0.05, maxDelay: 1, jitter: 0, totalBudget: 30, seed: 7),
                    clock: SystemAshbyClock()).withRequestBudget(budget)
    }

    private func callConcurrently(_ client: AshbyClient, _ n: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<n {
                group.addTask { _ = try await client.applicationHistory(applicationId: "application-\(i)") }
            }
            try await group.waitForAll()
        }
    }

    @Test(arguments: [1, 3, 8])
    func noMoreRequestsThanTheBudgetAreOnTheWireAtOnce(limit: Int) async throws {
        let transport = CountingTransport()
        let budget = RequestBudget(maxConcurrentRequests: limit)
        try await callConcurrently(client(transport, budget: budget), 24)
        #expect(transport.arrivals.count == 24)
        #expect(transport.peak == limit)
        #expect(budget.peakInFlight == limit)
    }

    @Test func withoutABudgetConcurrentCallersAreNotCapped() async throws {
        // The counterpart of the test above: the cap comes from the budget, not from the test's shape.
        let transport = CountingTransport()
        try await callConcurrently(client(transport, budget: nil), 12)
        #expect(transport.peak > 3)
    }

    @Test func aRateLimitedReplyHoldsOffEveryCallerOfTheBudgetForItsRetryAfter() async throws {
        let transport = CountingTransport(rateLimited: 1, retryAfter: "1")
        let budget = RequestBudget(maxConcurrentRequests: 4)
        let c = client(transport, budget: budget)
        // The first call is refused; the others start right after and must wait out its Retry-After.
        let first = Task { _ = try await c.applicationHistory(applicationId: "first") }
        while transport.firstRefusalAt == nil { try await Task.sleep(for: .milliseconds(2)) }
        try await callConcurrently(c, 6)
        try await first.value
        let refusedAt = try #require(transport.firstRefusalAt)
        let later = transport.arrivals.filter { $0 > refusedAt }
        #expect(later.count == 7)
        #expect(later.allSatisfy { $0 - refusedAt >= 0.95 }, "a request reached Ashby \(later.map { $0 - refusedAt }.min() ?? -1) s after the 429")
        #expect(budget.pausesTaken == 1)
    }

    @Test func withoutABudgetOnlyTheRefusedCallWaits() async throws {
        // The counterpart: without a shared budget the other callers go straight on.
        let transport = CountingTransport(rateLimited: 1, retryAfter: "2")
        let c = client(transport, budget: nil)
        let first = Task { _ = try await c.applicationHistory(applicationId: "first") }
        while transport.firstRefusalAt == nil { try await Task.sleep(for: .milliseconds(2)) }
        try await callConcurrently(c, 6)
        try await first.value
        // The refused call asked again only after its Retry-After (2 s); other callers got to Ashby before
        // that, well within the first half of it (with a budget none would before 2 s). A bound of 0.5 s after
        // a 1 s Retry-After failed when the suite ran beside hundreds of other tests on two cores.
        let refusedAt = try #require(transport.firstRefusalAt)
        let ids = transport.arrivalIds, arrivals = transport.arrivals
        #expect(ids.count == 8)
        let retry = try #require(ids.indices.dropFirst().first { ids[$0] == "first" }, "the refused call retried")
        #expect(arrivals[retry] - refusedAt >= 1.95)
        #expect(ids.indices.contains { ids[$0] != "first" && $0 < retry && arrivals[$0] - refusedAt < 1.0 }, "arrivals: \(ids)")
    }

    @Test func aCallerCancelledWhileWaitingForASlotLeavesTheBudgetWhole() async throws {
        let transport = CountingTransport(holdSeconds: 0.3)
        let budget = RequestBudget(maxConcurrentRequests: 1)
        let c = client(transport, budget: budget)
        let holder = Task { _ = try await c.applicationHistory(applicationId: "holder") }
        while transport.arrivals.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
        let waiter = Task { _ = try await c.applicationHistory(applicationId: "waiter") }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        try await holder.value
        // The slot came back: a later call goes through, alone.
        try await callConcurrently(c, 2)
        #expect(transport.arrivals.count == 3)
        #expect(transport.peak == 1)
    }
}
