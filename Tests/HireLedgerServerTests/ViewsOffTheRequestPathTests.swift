import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import HireLedgerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// The view endpoints read published states: a catch-up runs on the projection service's thread,
/// never in a request.
@Suite(.serialized) struct ViewsOffTheRequestPathTests {
    @Test func aViewRequestDuringA100kEventCatchUpIsAnsweredFromTheLastPublishedStateWithin50ms() async throws {
        let ledger = try await SyncedLedger.make(days: 2)
        defer { Task { await ledger.shutdown() } }
        let store = ledger.store
        let api = try makeAPI(ledger)
        let service = api.views.service
        try await api.views.waitUntilCurrent()
        let since = Timestamp(iso8601: "2000-01-01")!
        let uri = "/v1/changes?since=2000-01-01&axis=observed"
        let query = PlanChangesQuery(axis: .observed, since: since)
        let eventsBefore = try store.events()
        let expectedBefore = PlanChangesProjection.changes(PlanChangesProjection.fold(eventsBefore), query: query).json

        // The real server, with its log watcher: the append below is seen by its poll (20 ms).
        try await api.application().test(.live) { client in
            let lastObserved = try #require(eventsBefore.last?.observedAt)
            let more = SyntheticViewLog.events(applications: 0..<12_500, start: lastObserved.adding(days: 1))
            #expect(more.count >= 100_000)
            for chunk in stride(from: 0, to: more.count, by: 25_000) {
                try store.append(Array(more[chunk..<min(chunk + 25_000, more.count)]))
            }
            let waitStart = ContinuousClock.now
            while !service.status.folding {
                try #require(ContinuousClock.now - waitStart < .seconds(10), "the log watcher never woke the projection service")
                try await Task.sleep(for: .milliseconds(1))
            }

            // Latency through the real server, on the cooperative pool that other suites running in
            // parallel share: the median must be within 50 ms (the slowest is reported).
            var latencies: [Duration] = []
            for _ in 0..<5 {
                let t = ContinuousClock.now
                let r = try await client.execute(uri: uri, method: .get, headers: bearer)
                latencies.append(ContinuousClock.now - t)
                #expect(r.status == .ok)
                #expect(try parseBody(r) == expectedBefore, "answered from the state published before the append")
            }
            // Still catching up after the requests: they did not wait for the fold.
            let still = try #require(service.published(PlanChangesProjection.self))
            #expect(still.position < (try store.lastPosition), "the requests were answered while the catch-up ran")
            latencies.sort()
            #expect(latencies[2] < .milliseconds(50), "median view request \(latencies[2]), slowest \(latencies[4])")

            // Once the service has caught up, the same request sees the appended events.
            try await api.views.waitUntilCurrent(timeout: .seconds(120))
            let after = try parseBody(try await client.execute(uri: uri, method: .get, headers: bearer))
            let eventsAfter = try store.events()
            let expectedAfter = PlanChangesProjection.changes(PlanChangesProjection.fold(eventsAfter), query: query).json
            #expect(after == expectedAfter)
            #expect(after != expectedBefore)
        }
    }
}
