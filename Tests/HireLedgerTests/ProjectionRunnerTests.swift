import AshbyAPI
import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import Testing

/// Opening counts by state read from the simulator's API at one moment (the ground truth).
struct OpeningTruth {
    var at: Timestamp
    var planned = 0, filled = 0, closed = 0

    init(_ h: SyncHarness) async throws {
        at = h.sim.now
        for o in try await h.client.listAll(.openingList).records {
            switch o["openingState"]?.stringValue {
            case "Approved", "Open": planned += 1
            case "Filled": filled += 1
            case "Closed": closed += 1
            default: break
            }
        }
    }

    func matches(_ c: HeadcountCounts) -> Bool { c.planned == planned && c.filled == filled && c.closedUnfilled == closed }
}

struct ProjectionRunnerTests {
    /// Syncs `days` simulated days, running `each` after every sync.
    func syncDays(_ h: SyncHarness, _ days: Int, _ each: (Int) async throws -> Void) async throws {
        for day in 0...days {
            try await h.service().sync()
            try await each(day)
            if day < days { h.sim.advance(days: 1) }
        }
    }

    @Test func headcountMatchesTheSimulatorsOpeningsOnBothAxesAtEverySync() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 5), storePath: path)
            var truths: [OpeningTruth] = []
            try await syncDays(h, 40) { _ in truths.append(try await OpeningTruth(h)) }
            let runner = ProjectionRunner<HeadcountProjection>(store: h.store)
            try runner.catchUp()
            // The plan must have moved during the run, or the comparison proves little.
            #expect(Set(truths.map(\.planned)).count > 1 || Set(truths.map(\.filled)).count > 1)
            #expect(truths.allSatisfy { $0.planned > 0 })
            for truth in truths {
                let asOf = HeadcountProjection.view(runner.state, query: HeadcountQuery(groupBy: [], interval: .none, asOf: truth.at))
                let knownAt = HeadcountProjection.view(runner.state, query: HeadcountQuery(groupBy: [], interval: .none, knownAt: truth.at))
                #expect(truth.matches(asOf.totals), "as of \(truth.at.iso8601): \(asOf.totals) vs \(truth)")
                #expect(truth.matches(knownAt.totals), "known at \(truth.at.iso8601): \(knownAt.totals) vs \(truth)")
            }
        }
    }

    @Test func aBackfilledMoveIsExcludedKnownAtBeforeItsSyncAndIncludedAsOf() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 31), storePath: path)
            try await h.service().sync()
            let firstSync = h.sim.now
            let runner = ProjectionRunner<PipelineProjection>(store: h.store)
            try runner.catchUp()
            let before = PipelineProjection.view(runner.state, query: PipelineQuery(knownAt: firstSync))

            h.sim.advance(days: 1)
            let report = try await HistoryBackfill(store: h.store, client: h.client, clock: h.clock).run()
            #expect(report.events > 0)
            let backfilled = try h.store.events().filter(\.backfilled)
            #expect(!backfilled.isEmpty && backfilled.allSatisfy { $0.occurredAt <= firstSync && $0.observedAt > firstSync })
            try runner.catchUp()

            let knownAt = PipelineProjection.view(runner.state, query: PipelineQuery(knownAt: firstSync))
            let asOf = PipelineProjection.view(runner.state, query: PipelineQuery(asOf: firstSync))
            #expect(knownAt.rows == before.rows, "known at the first sync: the backfill is not known yet")
            #expect(asOf.rows != before.rows, "as of the first sync: the backfilled moves count")
            let reached = { (v: PipelineView) in v.rows.reduce(0) { $0 + $1.funnel.reduce(0) { $0 + $1.reached } } }
            #expect(reached(asOf) > reached(knownAt))
        }
    }

    @Test func aRecordsStateAsOfIncludesAChangeThatKnownAtBeforeItsSyncExcludes() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 5), storePath: path)
            var syncs: [Timestamp] = []
            try await syncDays(h, 10) { _ in syncs.append(h.sim.now) }
            // An update that occurred strictly between two syncs.
            let update = try h.store.events(types: EventTypeFilter(["record.opening.updated", "record.application.updated"]))
                .first { e in !e.occurredAtInferred && syncs.contains { $0 < e.occurredAt } && e.occurredAt < e.observedAt }
            let e = try #require(update)
            let history = try RecordHistory(store: h.store, key: e.subject)
            let asOf = try #require(history.version(asOf: e.occurredAt))
            let knownAt = try #require(history.version(knownAt: e.occurredAt))
            #expect(asOf.event.seq == e.seq || asOf.event.occurredAt >= e.occurredAt)
            #expect(knownAt.event.observedAt <= e.occurredAt && knownAt.event.seq < e.seq)
            #expect(asOf.record != knownAt.record)
            // The latest version equals the state index's record.
            #expect(history.version()?.record == (try h.store.currentRecord(e.subject)))
        }
    }

    @Test func keepingStateIncrementallyGivesTheBytesOfARebuildFromPositionZero() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 9), storePath: path)
            // Small batches, a checkpoint after every catch-up and frequent snapshots, so the kept state
            // goes through many encode/decode round trips and snapshot boundaries.
            let options = ProjectionRunnerOptions(batchSize: 97, checkpointAfter: 0, snapshotEvery: 400)
            var syncTimes: [Timestamp] = []
            try await syncDays(h, 12) { _ in
                syncTimes.append(h.sim.now)
                // A new runner each time: it starts from the stored checkpoint.
                try ProjectionRunner<HeadcountProjection>(store: h.store, options: options).catchUp()
                try ProjectionRunner<PipelineProjection>(store: h.store, options: options).catchUp()
                try ProjectionRunner<PlanChangesProjection>(store: h.store, options: options).catchUp()
            }
            try check(HeadcountProjection.self, h.store, options, syncTimes)
            try check(PipelineProjection.self, h.store, options, syncTimes)
            try check(PlanChangesProjection.self, h.store, options, syncTimes)
        }
    }

    func check<P: Projection>(_: P.Type, _ store: LedgerStore, _ options: ProjectionRunnerOptions, _ times: [Timestamp]) throws {
        let kept = ProjectionRunner<P>(store: store, options: options)
        let report = try kept.catchUp()
        #expect(report.eventsRead == 0 && !report.rebuiltFromZero, "\(P.name): the last catch-up was checkpointed")
        let keptBytes = kept.encodedState
        let storedKept = try store.projectionValue(ProjectionRunner<P>.checkpointKey)

        let rebuilt = ProjectionRunner<P>(store: store, options: options)
        try rebuilt.rebuild()
        #expect(rebuilt.encodedState == keptBytes, "\(P.name): rebuilt state differs from the kept one")
        #expect(try store.projectionValue(ProjectionRunner<P>.checkpointKey) == storedKept)
        #expect(rebuilt.position == (try store.lastPosition))
        let all = try store.events()
        // The runners decode only each projection's `dataSelection` of the events; `store.events()`
        // decodes them whole. Equal bytes show that the selections leave out nothing a fold reads.
        #expect(P.encode(P.fold(all)) == keptBytes)
        #expect(try store.projectionKeys(prefix: ProjectionRunner<P>.snapshotPrefix).count == Int(all.count / 400))

        // The state known at each sync, from the snapshots, equals the fold of the events known then.
        for t in times {
            let known = try rebuilt.state(knownAt: t)
            let prefix = all.filter { $0.observedAt <= t }
            #expect(P.encode(known.state) == P.encode(P.fold(prefix)), "\(P.name) known at \(t.iso8601)")
            #expect(known.position == (prefix.last?.seq ?? .none))
        }
    }

    @Test func aNewVersionRebuildsFromZeroAndRemovesTheOldVersionsEntries() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 3), storePath: path)
            try await h.service().sync()
            // A checkpoint of a former version, and an unreadable one of this version.
            try h.store.writeProjections([.put(key: Array("headcount@0".utf8), value: [1, 2, 3]),
                                          .put(key: Array("headcount@0/snapshot/x".utf8), value: [1]),
                                          .put(key: ProjectionRunner<HeadcountProjection>.checkpointKey, value: [9, 9])])
            let runner = ProjectionRunner<HeadcountProjection>(store: h.store, options: ProjectionRunnerOptions(checkpointAfter: 0))
            let report = try runner.catchUp()
            let last = try h.store.lastPosition
            #expect(report.rebuiltFromZero && report.eventsRead == last.value)
            #expect(try h.store.projectionKeys(prefix: Array("headcount@".utf8)) == [ProjectionRunner<HeadcountProjection>.checkpointKey])
            #expect(runner.encodedState == HeadcountProjection.encode(HeadcountProjection.fold(try h.store.events())))
        }
    }
}
