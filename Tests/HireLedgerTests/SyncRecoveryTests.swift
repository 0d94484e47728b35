import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import Testing

/// Token fallback, tombstones and restores, failures mid-sync and fault injection.
struct SyncRecoveryTests {
    /// Events without the store-specific id, for comparing two stores' logs.
    static func comparable(_ events: [RecordedEvent]) -> [String] {
        events.map { e in
            "\(e.seq) \(e.type) \(e.subject) \(e.observedAt) \(e.occurredAt) \(e.occurredAtInferred) \(e.backfilled) "
                + "\(e.causation?.value ?? 0) \(String(decoding: e.data.canonicalBytes(), as: UTF8.self))"
        }
    }

    @Test func anExpiredTokenFallsBackToAFullPass() async throws {
        try await withTemporaryDirectory { path in
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 5, size: .tiny, syncTokenMaxAgeDays: 2))
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync()
            sim.advance(days: 4)
            let log = ProgressLog()
            let report = try await h.service(observer: { log.add($0) }).sync()
            let fellBack = log.all.compactMap { if case .fellBackToFull(let t, let reason) = $0 { (t, reason) } else { nil } }
            let tokenTypes = SyncPlan.order.filter { $0.listEndpoint.supportsSyncToken }
            #expect(fellBack.map(\.0) == tokenTypes)
            #expect(fellBack.allSatisfy { $0.1.contains("sync_token_expired") })
            #expect(report.runs.allSatisfy { $0.mode == .full })
            // The fresh tokens work again.
            let next = try await h.service().sync()
            #expect(next.runs.filter { $0.mode == .incremental }.count == tokenTypes.count)
        }
    }

    @Test func aTypeWhoseLastFullPassIsAWeekOldGetsAFullPass() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 12)
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync()
            let tokenTypes = Set(SyncPlan.order.filter { $0.listEndpoint.supportsSyncToken }.map(\.rawValue))
            sim.advance(days: 3)
            var report = try await h.service().sync()
            #expect(Set(report.runs.filter { $0.mode == .incremental }.map(\.entityType)) == tokenTypes)
            sim.advance(days: 4)  // seven days after the first (full) sync
            report = try await h.service().sync()
            #expect(report.runs.allSatisfy { $0.mode == .full })
            #expect(try h.store.lastFullSyncRun(entityType: "applications")?.finishedAt == sim.now)
            sim.advance(days: 1)
            report = try await h.service().sync()
            #expect(Set(report.runs.filter { $0.mode == .incremental }.map(\.entityType)) == tokenTypes)
            // Without the interval, only tokens decide.
            sim.advance(days: 30)
            report = try await h.service().sync(SyncOptions(fullPassIntervalDays: nil))
            #expect(Set(report.runs.filter { $0.mode == .incremental }.map(\.entityType)) == tokenTypes)
        }
    }

    @Test func anIncrementalPassTooLargeFallsBackToAFullPass() async throws {
        try await withTemporaryDirectory { path in
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 6, size: .tiny, incrementalPageCap: 1))
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync(SyncOptions(pageSize: 5))
            sim.advance(days: 10)
            let log = ProgressLog()
            try await h.service(observer: { log.add($0) }).sync(SyncOptions(pageSize: 5, fullPassIntervalDays: nil))
            let reasons = log.all.compactMap { if case .fellBackToFull(_, let reason) = $0 { reason } else { nil } }
            #expect(reasons.contains { $0.contains("incremental_sync_too_large") })
        }
    }

    @Test func aDeletedCandidateIsTombstonedOnlyAfterAFullPassAndRestoredWhenItComesBack() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 8)
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync()
            let start = sim.journal().count
            var gone: [String] = []
            var mergedInto: [String: String] = [:]
            for _ in 0..<30 where gone.isEmpty {
                sim.advance(days: 5)
                let entries = sim.journal(after: start).filter { $0.entityType == "candidate" && ($0.kind == .deleted || $0.kind == .merged) }
                gone = entries.map(\.entityId)
                for e in entries where e.kind == .merged { mergedInto[e.entityId] = e.new?.stringValue }
                try await h.service().sync()
            }
            try #require(!gone.isEmpty, "the simulator should delete or merge a candidate within 150 days")
            // Incremental passes never infer deletions.
            for id in gone {
                #expect(try h.store.stateRow(EntityKey(.candidate, id))?.deleted == false)
            }
            let report = try await h.service().sync(SyncOptions(forceFull: true))
            #expect(report.runs.first { $0.entityType == "candidates" }?.tombstones == gone.count)
            for id in gone {
                let key = EntityKey(.candidate, id)
                #expect(try h.store.stateRow(key)?.deleted == true)
                let tombstone = try #require(try h.store.events(types: EventTypeFilter(["record.candidate.deleted"]), entity: key).first)
                if let survivor = mergedInto[id] {
                    // A merge, told from a deletion by the survivor now listing the applications.
                    #expect(tombstone.data["reason"]?.stringValue == "merged")
                    let merged = try h.store.events(types: EventTypeFilter(["candidate.merged"]), entity: key)
                    #expect(merged.count == 1 && merged.first?.data["mergedIntoCandidateId"]?.stringValue == survivor)
                    #expect(merged.first?.occurredAtInferred == true)
                    #expect(try h.store.events(types: EventTypeFilter(["candidate.deleted"]), entity: key).isEmpty)
                } else {
                    #expect(tombstone.data["reason"]?.stringValue == "absent_from_full_sync")
                    #expect(try h.store.events(types: EventTypeFilter(["candidate.deleted"]), entity: key).count == 1)
                }
            }
            // A full pass again adds no second tombstone.
            #expect(try await h.service().sync(SyncOptions(forceFull: true)).appendedEvents == 0)

            // A record that comes back is restored: tombstone a live candidate as if an earlier pass had
            // missed it, then let a full pass see it again.
            let live = try #require(try h.store.liveKeys(of: .candidate).first)
            try h.store.record([.absent(live, .absentFromFullSync)], observedAt: sim.now)
            try await h.service().sync(SyncOptions(forceFull: true, types: [.candidates]))
            let types = try h.store.events(for: live).map(\.type.wireName)
            #expect(types.suffix(3) == ["record.candidate.deleted", "candidate.deleted", "record.candidate.restored"])
            #expect(try h.store.currentRecord(live) != nil)
        }
    }

    /// `transactionBytes` 1: a transaction per changed page, so the pages before the failed one are
    /// recorded; the default holds this tiny world's pages for one transaction, so none are.
    @Test(arguments: [1, SyncOptions().transactionBytes])
    func aFailureMidPassStopsWithAClearMessageAndARerunLosesNothing(transactionBytes: Int) async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 9)
            let h = try SyncHarness(sim: sim, storePath: path, retryPolicy: .none)
            // Fail the request after the first candidates page.
            let observer: SyncObserver = { progress in
                if case .page(let p) = progress, p.entityType == .candidates, p.page == 1 {
                    sim.faults = .failing(next: 1, with: .serverError, of: ["candidate.list"])
                }
            }
            var options = SyncOptions(pageSize: 10)
            options.transactionBytes = transactionBytes
            options.transactionSeconds = 600
            // One page fetched ahead at most, so the candidates listing is not complete by page 1.
            options.listingAheadBytes = 1
            let error = try await #require(throws: SyncError.self) {
                try await h.service(observer: observer).sync(options)
            }
            // The sync fetches pages ahead (`Listing`), so the failed request is the first candidates page
            // not yet fetched when the fault was switched on; whichever it is, every page before it is
            // recorded (one transaction per page) or none (held for one), and nothing after it.
            #expect(error.entityType == .candidates && error.page >= 2)
            #expect(error.pagesRecorded == (transactionBytes == 1 ? error.page - 1 : 0))
            let message = "\(error)"
            #expect(message.contains("candidates") && message.contains("page \(error.page)") && message.contains("Run `hireledger sync` again"))
            let recordedBefore = try h.store.events(types: EventTypeFilter(["record.candidate.created"])).count
            #expect(recordedBefore == 10 * error.pagesRecorded)
            #expect(try h.store.lastSyncRun(entityType: "candidates") == nil)

            try await h.service().sync(SyncOptions(pageSize: 10))
            // Same log as one clean sync of an identical world.
            try await withTemporaryDirectory { cleanPath in
                let clean = try SyncHarness(sim: tinySimulator(seed: 9), storePath: cleanPath)
                try await clean.service().sync(SyncOptions(pageSize: 10))
                #expect(Self.comparable(try h.store.events()) == Self.comparable(try clean.store.events()))
            }
        }
    }

    @Test func withFaultsOverLoopbackASyncCompletesOrStopsCleanlyAndEndsLikeACleanRun() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 12)
            sim.faults = FaultConfiguration(rate429: 0.05, rate5xx: 0.05, rateTruncated: 0.04, rateMalformed: 0.02, rateReset: 0.04)
            try await withSimulatorServer(sim) { url in
                let transport = try CurlTransport()
                let h = try SyncHarness(sim: sim, storePath: path, transport: transport, baseURL: url,
                                        retryPolicy: RetryPolicy.ashbyClient(maxAttempts: 3, seed: 3))
                // Each attempt either completes or stops with a SyncError; the store stays usable.
                for _ in 0..<3 {
                    do { try await h.service().sync(SyncOptions(pageSize: 20)) } catch let error as SyncError {
                        #expect("\(error)".contains("Everything recorded before is kept"))
                    }
                }
                sim.faults = FaultConfiguration()
                try await h.service().sync(SyncOptions(pageSize: 20))
                try await withTemporaryDirectory { cleanPath in
                    let clean = try SyncHarness(sim: tinySimulator(seed: 12), storePath: cleanPath)
                    try await clean.service().sync(SyncOptions(pageSize: 20))
                    #expect(Self.comparable(try h.store.events()) == Self.comparable(try clean.store.events()))
                }
                #expect(transport.statistics.requestsFailed > 0, "faults should have reached the transport")
            }
        }
    }
}
