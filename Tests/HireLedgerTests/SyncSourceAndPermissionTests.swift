import AshbyAPI
import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import Testing

typealias SimPermission = AshbySimulator.AshbyPermission
typealias APIPermission = AshbyAPI.AshbyPermission

/// A store belongs to one source; a key without a permission syncs everything else; a refused token or
/// cursor recovers by itself in one run.
struct SyncSourceAndPermissionTests {
    /// A client of `sim` holding `key`, over the in-process transport.
    private func client(_ sim: SimulatedAshby, key: String) throws -> AshbyClient {
        AshbyClient(baseURL: "http://sim.invalid", apiKey: try APIKey(key), transport: InProcessSimulatorTransport(sim: sim),
                    retryPolicy: RetryPolicy.ashbyClient(seed: 7), clock: ManualAshbyClock())
    }

    private func dataFile(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("data.mdb"))
    }

    // MARK: - Source binding

    @Test func theFirstSyncBindsTheStoreToTheOrganizationTheAPIReports() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 21)
            let h = try SyncHarness(sim: sim, storePath: path)
            let organization = try #require(try await h.client.organization())
            #expect(organization.evidence == .organizationId && organization.value == sim.organizationId)
            #expect(try h.store.boundSource() == nil)
            let report = try await h.service().sync(SyncOptions(source: .ashby(organization)))
            #expect(try h.store.boundSource() == .ashby(organization))
            #expect(report.notes.contains { $0.contains("bound to Ashby organization \(sim.organizationId)") })
            // The same account again: accepted, nothing to say.
            sim.advance(days: 1)
            let again = try await h.service().sync(SyncOptions(source: .ashby(try await h.client.organization())))
            #expect(again.notes.isEmpty)
        }
    }

    /// Another organization, and the embedded simulator where a real account was synced: refused, and the
    /// store's data file is byte-for-byte what it was.
    @Test(arguments: ["anotherOrganization", "embeddedSimulator"])
    func aSyncFromAnotherSourceIsRefusedAndChangesNoByte(_ other: String) async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 22)
            let h = try SyncHarness(sim: sim, storePath: path)
            let organization = try #require(try await h.client.organization())
            try await h.service().sync(SyncOptions(source: .ashby(organization)))
            let before = try dataFile(path)

            let otherSim = tinySimulator(seed: 23)
            let otherSource: SyncSource = other == "embeddedSimulator"
                ? .simulator(seed: 23, size: "tiny")
                : .ashby(try await client(otherSim, key: otherSim.fullAccessKey).organization())
            let service = SyncService(store: h.store, client: try client(otherSim, key: otherSim.fullAccessKey),
                                      clock: ClosureLedgerClock { otherSim.now })
            await #expect {
                try await service.sync(SyncOptions(source: otherSource))
            } throws: { error in
                guard let mismatch = error as? SourceMismatchError else { return false }
                let text = mismatch.description
                return text.contains(sim.organizationId) && text.contains("Nothing was written")
                    && (other == "embeddedSimulator" ? text.contains("no ASHBY_API_KEY") && text.contains("embedded Ashby simulator (seed 23")
                                                     : text.contains(otherSim.organizationId))
            }
            #expect(try dataFile(path) == before)
            #expect(try h.store.boundSource() == .ashby(organization))
        }
    }

    @Test func anotherSimulatedWorldIsRefused() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 24)
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync(SyncOptions(source: .simulator(seed: 24, size: "tiny")))
            let before = try dataFile(path)
            await #expect(throws: SourceMismatchError.self) {
                try await h.service().sync(SyncOptions(source: .simulator(seed: 25, size: "tiny")))
            }
            #expect(try dataFile(path) == before)
        }
    }

    /// A store from before binding, observed later than the simulator's clock, is not the simulator's.
    @Test func anUnboundStoreSyncedLaterThanTheSimulatorsClockIsRefusedForTheSimulator() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 26)
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync()  // no source: an old, unbound store
            let earlier = ClosureLedgerClock { sim.now.adding(days: -30) }
            let service = SyncService(store: h.store, client: h.client, clock: earlier)
            let before = try dataFile(path)
            await #expect {
                try await service.sync(SyncOptions(source: .simulator(seed: 26, size: "tiny")))
            } throws: { error in
                "\(error)".contains("after the simulator's clock") && "\(error)".contains("Nothing was written")
            }
            #expect(try dataFile(path) == before)
            // The same store binds to its own simulator when time moves forward.
            sim.advance(days: 1)
            try await h.service().sync(SyncOptions(source: .simulator(seed: 26, size: "tiny")))
            #expect(try h.store.boundSource() == .simulator(seed: 26, size: "tiny"))
        }
    }

    @Test func aKeyThatCannotReadTheOrganizationBindsWeaklyAndIsRefinedLater() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 27)
            let h = try SyncHarness(sim: sim, storePath: path)
            let weak = try client(sim, key: sim.makeKey(permissions: [.jobsRead, .candidatesRead]))
            #expect(try await weak.organization() == nil)
            let brandsOnly = try client(sim, key: sim.makeKey(permissions: [.organizationRead]))
            #expect(try await brandsOnly.organization()?.evidence == .brands)
            try await SyncService(store: h.store, client: weak, clock: h.clock).sync(SyncOptions(source: .ashby(nil)))
            #expect(try h.store.boundSource() == .ashby(nil))
            let organization = try #require(try await h.client.organization())
            let report = try await h.service().sync(SyncOptions(source: .ashby(organization)))
            #expect(try h.store.boundSource() == .ashby(organization))
            #expect(report.notes.contains { $0.contains("now identified") })
            let unverified = try await SyncService(store: h.store, client: weak, clock: h.clock).sync(SyncOptions(source: .ashby(nil)))
            #expect(unverified.notes.contains { $0.contains("could not confirm") })
        }
    }

    // MARK: - Permissions

    /// Without each of the six permissions, every type needing another one is synced and the rest is
    /// recorded as skipped (report, store, status), until the permission is granted.
    @Test(arguments: APIPermission.required)
    func aKeyWithoutOnePermissionSyncsEverythingElse(_ missing: APIPermission) async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 30)
            let h = try SyncHarness(sim: sim, storePath: path)
            let simPermission = try #require(SimPermission(name: missing.rawValue))
            let key = sim.makeKey(permissions: SimPermission.syncReadSet.subtracting([simPermission]))
            let log = ProgressLog()
            let report = try await SyncService(store: h.store, client: try client(sim, key: key), clock: h.clock,
                                               observer: { log.add($0) }).sync()
            let expectedSkips = SyncPlan.order.filter { $0.listEndpoint.permission == missing }.map(\.rawValue)
            #expect(!expectedSkips.isEmpty)
            #expect(report.skipped.map(\.entityType) == expectedSkips)
            #expect(report.skipped.allSatisfy { $0.permission == missing })
            #expect(report.runs.map(\.entityType) == SyncPlan.order.map(\.rawValue).filter { !expectedSkips.contains($0) })
            #expect(Set(try h.store.skippedTypes().keys) == Set(expectedSkips))
            #expect(log.all.contains { if case .skipped = $0 { true } else { false } })
            for type in expectedSkips { #expect(try h.store.lastSyncRun(entityType: type) == nil) }
            // Records of the readable types are there.
            let counts = try h.store.recordCounts()
            let readable = SyncPlan.order.first { $0.listEndpoint.permission != missing && $0 != .interviewStages }!
            #expect((counts[SyncPlan.kind(of: readable)!]?.live ?? 0) > 0)

            // Granted again: the skipped types are synced and the skip is forgotten.
            sim.setPermissions(SimPermission.syncReadSet, forKey: key)
            let next = try await SyncService(store: h.store, client: try client(sim, key: key), clock: h.clock).sync()
            #expect(next.skipped.isEmpty)
            #expect(try h.store.skippedTypes().isEmpty)
        }
    }

    @Test func anInvalidKeyStillStopsTheSync() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 31)
            let h = try SyncHarness(sim: sim, storePath: path)
            let key = sim.makeKey(permissions: SimPermission.syncReadSet)
            sim.revoke(key: key)
            await #expect(throws: SyncError.self) {
                try await SyncService(store: h.store, client: try client(sim, key: key), clock: h.clock).sync()
            }
        }
    }

    // MARK: - Refused tokens and cursors

    @Test(arguments: FaultConfiguration.refusalCodes)
    func aRefusedSyncTokenRecoversInOneRun(code: String) async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 32)
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync()
            sim.advance(days: 1)
            // Departments' token (the sync lists several types at once: the refusal is aimed at one).
            sim.faults = FaultConfiguration(refuseNextToken: [code], targetEndpoints: ["department.list"])
            let log = ProgressLog()
            let report = try await h.service(observer: { log.add($0) }).sync()
            // The first type with a token (departments) fell back; the others stayed incremental.
            let first = try #require(report.runs.first)
            #expect(first.entityType == "departments" && first.mode == .full)
            #expect(first.fullPassReason?.contains(code) == true && first.fullPassReason?.contains("sync token") == true)
            #expect(report.runs.dropFirst().contains { $0.mode == .incremental })
            #expect(log.all.contains { if case .fellBackToFull(let t, let r) = $0 { t == .departments && r.contains(code) } else { false } })
            #expect(try h.store.lastSyncRun(entityType: "departments")?.fullPassReason?.contains(code) == true)
            // The next run is incremental again.
            let next = try await h.service().sync()
            #expect(next.runs.first?.mode == .incremental)
        }
    }

    @Test(arguments: FaultConfiguration.refusalCodes)
    func aRefusedCursorRestartsTheFullPassOnce(code: String) async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 33)
            let h = try SyncHarness(sim: sim, storePath: path)
            sim.faults = FaultConfiguration(refuseNextToken: [code])
            let report = try await h.service().sync(SyncOptions(pageSize: 2))
            let restarted = report.runs.filter { $0.fullPassReason?.contains("cursor (\(code))") == true }
            #expect(restarted.count == 1)
            // Nothing lost or doubled: the store equals one made without the refusal.
            try await withTemporaryDirectory { other in
                let twin = tinySimulator(seed: 33)
                let t = try SyncHarness(sim: twin, storePath: other)
                try await t.service().sync(SyncOptions(pageSize: 2))
                #expect(try h.store.recordCounts().mapValues { $0.live } == t.store.recordCounts().mapValues { $0.live })
                #expect(try h.store.status().eventCount == t.store.status().eventCount)
            }
        }
    }

    @Test func aRefusalRepeatedOnTheFullPassIsAnError() async throws {
        try await withTemporaryDirectory { path in
            let sim = tinySimulator(seed: 34)
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync(SyncOptions(pageSize: 2))
            sim.advance(days: 1)
            sim.faults = FaultConfiguration(refuseNextToken: ["cursor_invalid", "cursor_invalid"], targetEndpoints: ["department.list"])
            await #expect {
                try await h.service().sync(SyncOptions(pageSize: 2))
            } throws: { error in
                guard let e = error as? SyncError else { return false }
                return e.repeatedRefusal && e.description.contains("running again will not help")
            }
        }
    }

    // MARK: - Confidential jobs

    /// The key's confidential-jobs toggle turned off: the next full pass lists neither the confidential jobs
    /// nor their applications, and they are kept live and marked hidden, never tombstoned; turned on again,
    /// they are seen as they were and the marks go.
    @Test func confidentialJobsHiddenByTheKeyToggleAreNotDeleted() async throws {
        // A small world with at least one confidential job that has applications.
        var found: (SimulatedAshby, String)?
        for seed in UInt64(1)...40 where found == nil {
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: .small))
            let jobs = try await client(sim, key: sim.fullAccessKey).listAll(.jobList).records
            let apps = try await client(sim, key: sim.fullAccessKey).listAll(.applicationList).records
            if let job = jobs.first(where: { j in j["confidential"]?.boolValue == true
                && apps.contains { $0["job"]?.string("id") == j.string("id") } }) {
                found = (sim, job.string("id")!)
            }
        }
        let (sim, jobId) = try #require(found, "some small world should have a confidential job with applications")
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: sim, storePath: path)
            try await h.service().sync()
            let before = try h.store.lastPosition
            sim.setConfidentialAccess(false, forKey: sim.fullAccessKey)
            let report = try await h.service().sync(SyncOptions(forceFull: true))
            #expect(try h.store.stateRow(EntityKey(.job, jobId))?.deleted == false)
            let deletions = try h.store.events(after: before).filter { $0.type.wireName.hasSuffix(".deleted") }
            let hidden = try h.store.hiddenRecords()
            #expect(hidden[.job]?[jobId] != nil)
            #expect((hidden[.application]?.count ?? 0) > 0)
            // Nothing hidden was tombstoned (other deletions of the day may happen).
            let hiddenIds = Set(hidden.values.flatMap(\.keys))
            #expect(deletions.allSatisfy { !hiddenIds.contains($0.subject.id) })
            #expect(report.notes.contains { $0.contains("confidential jobs") && $0.contains("not deleted") })

            sim.setConfidentialAccess(true, forKey: sim.fullAccessKey)
            let back = try await h.service().sync(SyncOptions(forceFull: true))
            #expect(try h.store.hiddenRecords().isEmpty)
            #expect(back.notes.isEmpty)
            #expect(try h.store.events(after: before).filter { hiddenIds.contains($0.subject.id) }.isEmpty)
        }
    }
}
