import AshbyAPI
import HireLedgerCore
import Testing

/// `Retry-After` parsing, observed through the delays the client asks its clock for.
struct RetryAfterTests {
    private func delay(for retryAfter: String) async throws -> Double? {
        let clock = ManualAshbyClock(wall: Timestamp(iso8601: "1994-11-06T08:49:30.000Z")!)
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", replies: [
            .raw([], status: 429, headers: [("Retry-After", retryAfter)]),
            .json(successList([], more: false)),
        ])
        let policy = RetryPolicy.ashbyClient(maxAttempts: 2, baseDelay: 0.25, maxDelay: 1, jitter: 0, totalBudget: 1000, seed: 1)
        _ = try await makeClient(transport, clock: clock, retry: policy).listPage(.candidateList)
        return clock.sleeps.first
    }

    @Test func delaySecondsAreTakenAsIs() async throws {
        #expect(try await delay(for: "120") == 120)
        #expect(try await delay(for: " 1.5 ") == 1.5)
        #expect(try await delay(for: "-3") == 0)
    }

    @Test(arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"])
    func allThreeHTTPDateFormsAreUnderstood(_ text: String) async throws {
        #expect(try await delay(for: text) == 7)
    }

    @Test func aPastDateMeansNoWaitAndGarbageFallsBackToBackoff() async throws {
        #expect(try await delay(for: "Sat, 05 Nov 1994 08:49:37 GMT") == 0)
        #expect(try await delay(for: "soon") == 0.25)
        #expect(try await delay(for: "Sun, 32 Nov 1994 08:49:37 GMT") == 0.25)
    }
}
