import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// Erasure of candidates from a synced store: their values are gone from every event, state row, view,
/// feed page and the compacted file; totals are unchanged; a later sync does not bring them back; a
/// webhook consumer gets `candidate.erased`. Default: the tiny world over 30 days; set
/// `HIRELEDGER_ERASURE_DAYS=180` (and the medium world with `HIRELEDGER_ERASURE_SIZE=medium`) for the demo size.
@Suite(.serialized)
struct CandidateErasureTests {
    static let days = Int(ProcessInfo.processInfo.environment["HIRELEDGER_ERASURE_DAYS"] ?? "") ?? 30
    static let size = ProcessInfo.processInfo.environment["HIRELEDGER_ERASURE_SIZE"].flatMap(WorldSize.init(rawValue:)) ?? .tiny

    func views(_ store: LedgerStore) throws -> [JSONValue] {
        let hc = ProjectionRunner<HeadcountProjection>(store: store), pl = ProjectionRunner<PipelineProjection>(store: store)
        let ch = ProjectionRunner<PlanChangesProjection>(store: store)
        try hc.catchUp(); try pl.catchUp(); try ch.catchUp()
        return [
            HeadcountProjection.view(hc.state, query: HeadcountQuery(groupBy: [.department, .location])).json,
            PipelineProjection.view(pl.state, query: PipelineQuery(groupBy: .job)).json,
            PlanChangesProjection.changes(ch.state, query: PlanChangesQuery(axis: .occurred, since: Timestamp(millisecondsSinceEpoch: 0))).json,
        ]
    }

    @Test func erasingThreeCandidatesRemovesTheirValuesEverywhereKeepsTotalsAndSurvivesTheNextSync() async throws {
        try await withTemporaryDirectory { path in
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 21, size: Self.size))
            let h = try SyncHarness(sim: sim, storePath: path + "/s")
            for day in 0...Self.days {
                try await h.service().sync()
                if day < Self.days { h.sim.advance(days: 1) }
            }
            let store = h.store
            // Three candidates with applications (so their values also sit in application records), whose
            // name and email no other candidate ever had: the simulator draws names from 68 x 53 words,
            // so on a medium world other people share names and emails, and erasing one person must not
            // erase another's (a 180-day medium run found two such shared values in the file).
            var owners: [String: Set<String>] = [:]
            for e in try store.events() where e.type == .record(.candidate, .created) || e.type == .record(.candidate, .restored) {
                guard let r = e.data["record"] else { continue }
                for v in [r["name"]?.stringValue, r["primaryEmailAddress"]?["value"]?.stringValue].compactMap({ $0 }) {
                    owners[v, default: []].insert(e.subject.id)
                }
            }
            let candidates = try store.liveKeys(of: .candidate).compactMap { key -> (String, JSONValue)? in
                guard let record = try store.currentRecord(key), case .array(let apps)? = record["applicationIds"], !apps.isEmpty,
                      let name = record["name"]?.stringValue, let email = record["primaryEmailAddress"]?["value"]?.stringValue,
                      owners[name] == [key.id], owners[email] == [key.id] else { return nil }
                return (key.id, record)
            }.prefix(3)
            try #require(candidates.count == 3)
            let secrets = candidates.flatMap { _, r in
                [r["name"]!.stringValue!, r["primaryEmailAddress"]!["value"]!.stringValue!]
            }
            let before = try views(store)
            let eventCount = try store.events().count
            let typesBefore = try store.events().map(\.type)
            #expect(try store.events().contains { e in secrets.contains { e.data.canonicalString.contains($0) } })

            let receiver = try LoopbackHTTPServer()
            defer { receiver.stop() }
            let subscriptions = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
            _ = try subscriptions.create(url: receiver.url, types: ["candidate.erased"], startAt: .now)

            // A checkpoint whose state (compressed, as every checkpoint now is) holds one of the values:
            // the erasure must look into it and drop it.
            let projections = try store.environment.openDatabase(name: "projections", checksummed: true)
            let plantedState = Array(("{\"note\":\"" + secrets[0] + String(repeating: " and more", count: 40) + "\"}").utf8)
            let planted = ProjectionCheckpoint(position: LogPosition(1), observedAt: nil, stateBytes: plantedState).storageBytes()
            #expect(planted[ProjectionCheckpoint.headerSize] == 1, "the planted state is stored compressed")
            try store.environment.write { txn in try txn.put(projections, Array("planted@1".utf8), planted) }

            for (id, _) in candidates {
                let report = try store.eraseCandidate(id: id, reason: "test request", at: h.sim.now)
                #expect(report.eventsRewritten > 0 && report.rowsRewritten > 0)
            }
            func leaks(_ text: String) -> [String] { secrets.filter { text.contains($0) } }
            // Every event (the feed), every state row, every view.
            let events = try store.events()
            #expect(events.count == eventCount + 3)
            #expect(Array(events.map(\.type).prefix(eventCount)) == typesBefore)
            for e in events { #expect(leaks(e.data.canonicalString).isEmpty, "event \(e.seq.value) still names them") }
            for kind in EntityKind.allCases {
                for key in try store.keys(of: kind, after: nil, limit: .max, includeDeleted: true) {
                    let row = try #require(try store.stateRow(key))
                    #expect(leaks(String(decoding: row.canonicalBytes, as: UTF8.self)).isEmpty, "\(key) still names them")
                }
            }
            let after = try views(store)
            #expect(after == before, "a view's totals changed")
            for v in after { #expect(leaks(v.canonicalString).isEmpty) }
            #expect(StoreVerifier.verify(store).isClean)

            // A later sync (Ashby still has them) brings nothing back.
            h.sim.advance(days: 1)
            try await h.service().sync()
            try await h.service().sync(SyncOptions(forceFull: true))
            for e in try store.events() { #expect(leaks(e.data.canonicalString).isEmpty, "event \(e.seq.value) names them after a sync") }
            for (id, _) in candidates {
                let record = try #require(try store.currentRecord(EntityKey(.candidate, id)))
                #expect(record["name"] == .string(CandidateErasure.placeholder))
            }

            // The compacted file holds none of them.
            try store.copy(to: path + "/compact")
            let file = try Data(contentsOf: URL(fileURLWithPath: path + "/compact/data.mdb"))
            for s in secrets where file.range(of: Data(s.utf8)) != nil {
                Issue.record("the compacted file still holds a value, in: \(try Self.holders(of: s, in: store))")
            }

            // Nor any projection checkpoint, read decompressed (the file search above cannot see into a
            // compressed state): the planted one is gone, and the views' own states, written now, hold none.
            #expect(try store.environment.read { txn in try txn.get(projections, Array("planted@1".utf8)) } == nil)
            let write = ProjectionRunnerOptions(checkpointAfter: 0)
            try ProjectionRunner<HeadcountProjection>(store: store, options: write).rebuild()
            try ProjectionRunner<PipelineProjection>(store: store, options: write).rebuild()
            try ProjectionRunner<PlanChangesProjection>(store: store, options: write).rebuild()
            var checkpoints = 0
            try store.environment.read { txn in
                try txn.scan(projections) { k, v in
                    guard ProjectionCheckpoint.peek(v) != nil else { return }
                    checkpoints += 1
                    let text = try ProjectionCheckpoint.withState(v) { String(decoding: $0, as: UTF8.self) }
                    #expect(leaks(text).isEmpty, "the checkpoint \(String(decoding: k, as: UTF8.self)) names them")
                }
            }
            #expect(checkpoints > 0)

            // Consumers are told.
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subscriptions, transport: try CurlTransport(), requestTimeout: 10)
            let delivery = try await dispatcher.deliverOnce()
            #expect(delivery.delivered == 3 && delivery.failedAttempts == 0)
            let bodies = receiver.requests.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.count == 3 && bodies.allSatisfy { $0.contains("ashby.candidate.erased") })
            for (id, _) in candidates { #expect(bodies.contains { $0.contains(id) }) }
        }
    }
}

extension CandidateErasureTests {
    /// Where a value sits in the store: "database key" for each entry whose key or value holds its bytes.
    static func holders(of value: String, in store: LedgerStore) throws -> [String] {
        let needle = Array(value.utf8)
        var found: [String] = []
        for name in LedgerStore.databaseNames {
            let db = try store.environment.openDatabase(name: name, checksummed: LedgerStore.checksummedDatabaseNames.contains(name))
            _ = try store.environment.read { txn in
                try txn.scan(db) { k, v in
                    if v.firstRange(of: needle) != nil || k.firstRange(of: needle) != nil {
                        found.append("\(name) \(String(decoding: k.prefix(80), as: UTF8.self).debugDescription) (\(v.count) bytes)")
                    }
                }
            }
        }
        return found
    }
}
