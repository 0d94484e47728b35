import AshbyAPI
import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import Testing

struct HistoryBackfillTests {
    @Test func backfillRecordsPastMovesOnceResumablyAndAtTheConfiguredRate() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 31), storePath: path)
            try await h.service().sync()
            let applications = try h.store.liveKeys(of: .application)
            // What the histories hold beyond the current stage, which the first sync already recorded.
            var expected = 0
            for key in applications {
                let entries = StageHistoryReconciler.entries(from: try await h.client.applicationHistory(applicationId: key.id))
                expected += max(0, entries.count - 1)
            }
            #expect(expected > applications.count, "tiny world applications should have moved before the start")

            let rateClock = ManualAshbyClock()
            let limiter = RequestRateLimiter(requestsPerSecond: 5, burst: 1, clock: rateClock)
            let backfill = HistoryBackfill(store: h.store, client: h.client, clock: h.clock, rateLimiter: limiter)
            let before = try h.store.lastPosition
            let first = try await backfill.run(limit: 7)
            #expect(first.applications == 7 && !first.completed)
            #expect(try h.store.status().backfillCursor == applications[6])
            let rest = try await backfill.run()
            #expect(rest.completed && first.applications + rest.applications == applications.count)
            #expect(first.events + rest.events == expected)
            // One request per application, paced: every request after the first waited 1/5 s.
            #expect(rateClock.sleeps.count == applications.count - 1)
            #expect(rateClock.sleeps.allSatisfy { abs($0 - 0.2) < 1e-9 })

            let added = try h.store.events(after: before)
            #expect(added.allSatisfy { $0.type == .domain(.applicationStageChanged) && $0.backfilled && !$0.occurredAtInferred })
            #expect(added.allSatisfy { $0.data["historyEntryId"]?.stringValue != nil && $0.occurredAt < h.sim.now })
            // Every application's moves now chain from its first stage to its current one.
            for key in applications.prefix(20) {
                let moves = try h.store.events(types: EventTypeFilter(["application.stage_changed"]), entity: key)
                    .sorted { $0.occurredAt < $1.occurredAt }
                let current = try h.store.currentRecord(key)?["currentInterviewStage"]?.string("id")
                #expect(moves.last?.data["toStage"]?.string("id") == current)
            }

            // Done: a second run does nothing; a restart reads everything again and appends nothing.
            #expect(try await backfill.run().applications == 0)
            let again = try await backfill.run(restart: true)
            #expect(again.completed && again.events == 0 && again.applications == applications.count)
        }
    }

    @Test func movesTheSyncAlreadyRecordedFromHistoryAreNotBackfilledAgain() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 32), storePath: path)
            try await h.service().sync()
            h.sim.advance(days: 6)
            try await h.service().sync()
            let timed = try h.store.events(types: EventTypeFilter(["application.stage_changed"]))
                .filter { $0.data["historyEntryId"]?.stringValue != nil }
            #expect(!timed.isEmpty)
            let backfill = HistoryBackfill(store: h.store, client: h.client, clock: h.clock)
            let before = try h.store.lastPosition
            try await backfill.run()
            let added = try h.store.events(after: before)
            let timedIds = Set(timed.compactMap { $0.data["historyEntryId"]?.stringValue })
            #expect(added.allSatisfy { !timedIds.contains($0.data["historyEntryId"]?.stringValue ?? "") })
            // No history entry is recorded twice in the whole log.
            let all = try h.store.events(types: EventTypeFilter(["application.stage_changed"])).compactMap { $0.data["historyEntryId"]?.stringValue }
            #expect(all.count == Set(all).count)
        }
    }
}
