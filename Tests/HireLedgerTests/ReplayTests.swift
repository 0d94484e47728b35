import AshbyAPI
import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import Testing

struct ReplayTests {
    /// A store synced daily over `days` simulated days; returns the sync times.
    func syncedStore(_ h: SyncHarness, days: Int) async throws -> [Timestamp] {
        var times: [Timestamp] = []
        for day in 0...days {
            try await h.service().sync()
            times.append(h.sim.now)
            if day < days { h.sim.advance(days: 1) }
        }
        return times
    }

    func views(_ store: LedgerStore, asOf: Timestamp? = nil, knownAt: Timestamp?) throws -> [JSONValue] {
        let hc = ProjectionRunner<HeadcountProjection>(store: store), pl = ProjectionRunner<PipelineProjection>(store: store)
        let ch = ProjectionRunner<PlanChangesProjection>(store: store)
        try hc.catchUp(); try pl.catchUp(); try ch.catchUp()
        return [
            HeadcountProjection.view(hc.state, query: HeadcountQuery(groupBy: [.department, .location], asOf: asOf, knownAt: knownAt)).json,
            PipelineProjection.view(pl.state, query: PipelineQuery(groupBy: .job, asOf: asOf, knownAt: knownAt)).json,
            PlanChangesProjection.changes(ch.state, query: PlanChangesQuery(axis: .occurred, since: Timestamp(millisecondsSinceEpoch: 0),
                                                                           until: asOf, knownAt: knownAt)).json,
        ]
    }

    @Test func aReplayedStoresViewsEqualTheOriginalsViewsKnownAtTheReplayTime() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 5), storePath: path + "/original")
            let times = try await syncedStore(h, days: 20)
            for t in [times[8], Timestamp(millisecondsSinceEpoch: times[8].millisecondsSinceEpoch + 12 * 3_600_000)] {
                let into = path + "/replay-\(t.millisecondsSinceEpoch)"
                let report = try LedgerReplay.replay(h.store, until: t, into: into)
                let replayed = try LedgerStore.open(directory: into)
                #expect(replayed.storeId == h.store.storeId)

                let prefix = try h.store.events().filter { $0.observedAt <= t }
                #expect(report.events == prefix.count && report.lastPosition == prefix.last?.seq)
                #expect(try replayed.events() == prefix)
                // The replay holds the projections already checkpointed at its end.
                #expect(try ProjectionRunner<HeadcountProjection>(store: replayed).catchUp().eventsRead == 0)

                let (a, b) = (try views(replayed, knownAt: t), try views(h.store, knownAt: t))
                #expect(a == b)
                #expect(try views(replayed, asOf: times[4], knownAt: t) == views(h.store, asOf: times[4], knownAt: t))
                // With no knownAt the replay answers as known at its end, which is t.
                let strip = { (views: [JSONValue]) in views.map { v -> JSONValue in
                    guard case .object(var o) = v else { return v }
                    o["knownAt"] = nil
                    return .object(o)
                } }
                #expect(try strip(views(replayed, asOf: times[8], knownAt: nil)) == strip(views(h.store, asOf: times[8], knownAt: t)))

                // The state index holds each record as it was known at t.
                for kind in [EntityKind.opening, .job, .application, .offer] {
                    for key in try h.store.keys(of: kind, after: nil, limit: .max, includeDeleted: true) {
                        let version = try RecordHistory(store: h.store, key: key).version(knownAt: t)
                        let row = try replayed.stateRow(key)
                        let record: JSONValue? = try row?.record()
                        #expect(record == version?.record, "\(key)")
                        #expect(row?.deleted == version?.deleted, "\(key)")
                    }
                }
            }
            // Replaying everything gives the original's state rows byte for byte.
            let all = path + "/replay-all"
            try LedgerReplay.replay(h.store, until: times.last!, into: all)
            let full = try LedgerStore.open(directory: all)
            for kind in EntityKind.allCases {
                for key in try h.store.keys(of: kind, after: nil, limit: .max, includeDeleted: true) {
                    #expect(try full.stateRow(key) == h.store.stateRow(key), "\(key)")
                }
            }
            #expect(try full.syncRuns() == h.store.syncRuns())
        }
    }

    @Test func aReplayedStoreSyncsOnToTheSourcesCurrentState() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 7), storePath: path + "/original")
            let times = try await syncedStore(h, days: 10)
            let into = path + "/replay"
            try LedgerReplay.replay(h.store, until: times[3], into: into)
            let replayed = try LedgerStore.open(directory: into)
            // Its next sync is a full pass against the rebuilt state: it records what changed since.
            let report = try await SyncService(store: replayed, client: h.client, clock: h.clock).sync()
            #expect(report.runs.allSatisfy { $0.mode == .full })
            for kind in [EntityKind.opening, .job, .application] {
                #expect(try replayed.liveKeys(of: kind) == h.store.liveKeys(of: kind))
                for key in try h.store.liveKeys(of: kind) {
                    #expect(try replayed.currentRecord(key) == h.store.currentRecord(key), "\(key)")
                }
            }
        }
    }

    @Test func replayRefusesANonEmptyDirectory() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 7), storePath: path + "/original")
            try await h.service().sync()
            try FileManager.default.createDirectory(atPath: path + "/busy", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path + "/busy/notes.txt", contents: Data("keep".utf8))
            #expect(throws: ReplayError.self) { try LedgerReplay.replay(h.store, until: h.sim.now, into: path + "/busy") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: path + "/busy") == ["notes.txt"])
        }
    }

    @Test func theReplayCommandWritesAStoreWhoseHeadcountEqualsTheOriginalKnownAtT() async throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/hireledger").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the hireledger product first (swift build --build-tests)")
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 5), storePath: path + "/original")
            let times = try await syncedStore(h, days: 12)
            let t = times[6].iso8601
            func run(_ args: [String]) throws -> (Int32, String) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: binary)
                p.arguments = args
                let out = Pipe()
                p.standardOutput = out
                p.standardError = Pipe()
                try p.run()
                let data = out.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return (p.terminationStatus, String(decoding: data, as: UTF8.self))
            }
            let (code, _) = try run(["replay", "--store", path + "/original", "--until", t, "--into", path + "/replay"])
            #expect(code == 0)
            let original = try run(["headcount", "--store", path + "/original", "--known-at", t, "--format", "json"])
            let replayed = try run(["headcount", "--store", path + "/replay", "--known-at", t, "--format", "json"])
            #expect(original.0 == 0 && replayed.0 == 0)
            #expect(!original.1.isEmpty && original.1 == replayed.1)
            let again = try run(["replay", "--store", path + "/original", "--until", t, "--into", path + "/replay"])
            #expect(again.0 != 0, "a non-empty --into is refused")
        }
    }
}
