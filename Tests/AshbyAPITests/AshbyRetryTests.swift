import AshbyAPI
import HireLedgerCore
import Testing

struct AshbyRetryTests {
    private let ok = RecordedAshbyTransport.Reply.json(successList([record(1)], more: false, syncToken: "t"))

    @Test func rateLimitHonoursRetryAfterSeconds() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", replies: [
            .json(errorEnvelope("rate_limit_exceeded"), status: 429, headers: [("Retry-After", "7")]),
            .json(errorEnvelope("rate_limit_exceeded"), status: 429, headers: [("retry-after", "2")]),
            ok,
        ])
        let clock = ManualAshbyClock()
        let page = try await makeClient(transport, clock: clock).listPage(.candidateList)
        #expect(page.records == [record(1)])
        #expect(clock.sleeps == [7, 2])
        #expect(transport.requests.count == 3)
    }

    @Test func retryAfterMayBeAnHTTPDate() async throws {
        let clock = ManualAshbyClock(wall: Timestamp(iso8601: "2026-05-28T23:14:20.000Z")!)
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", replies: [
            .raw([], status: 503, headers: [("Retry-After", "Thu, 28 May 2026 23:14:32 GMT")]),
            ok,
        ])
        _ = try await makeClient(transport, clock: clock).listPage(.candidateList)
        #expect(clock.sleeps == [12])
    }

    @Test func serverErrorsBackOffExponentiallyThenSucceed() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", replies: [.raw([], status: 502), .raw([], status: 500), .raw([], status: 504), ok])
        let clock = ManualAshbyClock()
        _ = try await makeClient(transport, clock: clock).listPage(.candidateList)
        // baseDelay 1, no jitter in the test policy.
        #expect(clock.sleeps == [1, 2, 4])
    }

    @Test func jitterShortensDelaysReproduciblyFromTheSeed() async throws {
        func delays(seed: UInt64) async throws -> [Double] {
            let transport = RecordedAshbyTransport()
            transport.on("/candidate.list", replies: [.raw([], status: 500), .raw([], status: 500), .raw([], status: 500), ok])
            let clock = ManualAshbyClock()
            let policy = RetryPolicy.ashbyClient(maxAttempts: 4, baseDelay: 1, maxDelay: 8, jitter: 0.5, totalBudget: 100, seed: seed)
            _ = try await makeClient(transport, clock: clock, retry: policy).listPage(.candidateList)
            return clock.sleeps
        }
        let a = try await delays(seed: 42), b = try await delays(seed: 42), c = try await delays(seed: 43)
        #expect(a == b)
        #expect(a != c)
        for (delay, ceiling) in zip(a, [1.0, 2, 4]) { #expect(delay > ceiling * 0.5 - 1e-9 && delay <= ceiling) }
    }

    @Test func truncatedBodyIsRetried() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", replies: [
            .raw(Array("{\"success\":true,\"results\":[{\"id\":\"00000000-0000".utf8), status: 200),
            ok,
        ])
        let clock = ManualAshbyClock()
        let page = try await makeClient(transport, clock: clock).listPage(.candidateList)
        #expect(page.records.count == 1)
        #expect(clock.sleeps == [1])
    }

    @Test func persistentTruncationGivesUpWithOffsetAndMaskedExcerpt() async {
        let body = Array("{\"success\":true,\"results\":[{\"name\":\"Jane Doe 42\"".utf8)
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw(body, status: 200))
        await #expect {
            _ = try await makeClient(transport).listPage(.candidateList)
        } throws: { error in
            guard case AshbyError.malformedResponse(endpoint: "candidate.list", offset: let offset?, reason: let reason,
                                                    excerpt: let excerpt, attempts: 4, failures: _) = error else { return false }
            return offset == body.count && reason.contains("truncated") && !excerpt.contains("Jane") && !excerpt.contains("42")
                && excerpt.contains("xxxx")
        }
        #expect(transport.requests.count == 4)
    }

    @Test func retryableTransportErrorsAreRetried() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", replies: [.failure(FakeTransportError(isRetryable: true)), ok])
        let clock = ManualAshbyClock()
        _ = try await makeClient(transport, clock: clock).listPage(.candidateList)
        #expect(clock.sleeps == [1])
    }

    @Test func givesUpAfterMaxAttemptsWithAClearError() async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw([], status: 429, headers: [("Retry-After", "3")]))
        let clock = ManualAshbyClock()
        await #expect {
            _ = try await makeClient(transport, clock: clock).listPage(.candidateList)
        } throws: { error in
            guard case AshbyError.rateLimited(endpoint: "candidate.list", attempts: 4, retryAfter: 3, failures: _) = error else { return false }
            return "\(error)".contains("after 4 attempts") && "\(error)".contains("3 s")
        }
        #expect(clock.sleeps == [3, 3, 3])
        #expect(transport.requests.count == 4)
    }

    @Test func serverErrorsGiveUpNamingTheStatus() async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw([], status: 503, headers: [("x-ashby-request-id", "01REQ")]))
        await #expect {
            _ = try await makeClient(transport).listPage(.candidateList)
        } throws: { error in
            guard case AshbyError.server(endpoint: "candidate.list", status: 503, attempts: 4, requestId: "01REQ", failures: _) = error else { return false }
            return "\(error)".contains("HTTP 503")
        }
    }

    @Test func theTotalBudgetStopsRetriesEarly() async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw([], status: 429, headers: [("Retry-After", "50")]))
        let clock = ManualAshbyClock()
        let policy = RetryPolicy.ashbyClient(maxAttempts: 10, baseDelay: 1, maxDelay: 8, jitter: 0, totalBudget: 120, seed: 1)
        await #expect {
            _ = try await makeClient(transport, clock: clock, retry: policy).listPage(.candidateList)
        } throws: { error in
            guard case AshbyError.rateLimited(endpoint: _, attempts: 3, retryAfter: 50, failures: _) = error else { return false }
            return true
        }
        // Two waits of 50 s fit in 120 s; a third would end at 150 s.
        #expect(clock.sleeps == [50, 50])
    }

    @Test(arguments: [
        RecordedAshbyTransport.Reply.json(errorEnvelope("invalid_input")),
        .json(errorEnvelope("missing_endpoint_permission"), status: 403),
        .json(errorEnvelope("sync_token_expired")),
        .raw([], status: 401),
        .raw([], status: 404),
        .json(["unexpected": true]),
    ])
    func logicalErrorsAreNotRetried(_ reply: RecordedAshbyTransport.Reply) async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: reply)
        let clock = ManualAshbyClock()
        await #expect(throws: AshbyError.self) { _ = try await makeClient(transport, clock: clock).listPage(.candidateList) }
        #expect(transport.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func aCancelledTaskGetsCancellationErrorAndSendsNothing() async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw([], status: 500))
        let client = makeClient(transport)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.listPage(.candidateList)
        }
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(transport.requests.isEmpty)
    }

    @Test func cancellationDuringABackoffWaitStopsRetrying() async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw([], status: 500))
        // The real clock: the first backoff (60 s) is interrupted by cancelling the task.
        let client = AshbyClient(apiKey: testKey(), transport: transport,
                                 retryPolicy: RetryPolicy.ashbyClient(maxAttempts: 3, baseDelay: 60, jitter: 0, seed: 1))
        let task = Task { try await client.listPage(.candidateList) }
        while transport.requests.isEmpty { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(transport.requests.count == 1)
    }
}
