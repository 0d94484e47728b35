import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import Testing

/// The simulator's entity type name of each store kind (its `counts()` and journal keys).
let simulatorTypeName: [EntityKind: String] = [
    .job: "job", .jobPosting: "jobPosting", .opening: "opening", .candidate: "candidate", .application: "application",
    .interview: "interview", .interviewSchedule: "interviewSchedule", .interviewPlan: "interviewPlan",
    .interviewStage: "interviewStage", .archiveReason: "archiveReason", .closeReason: "closeReason", .source: "source",
    .candidateTag: "candidateTag", .customField: "customField", .department: "department", .location: "location",
    .user: "user", .offer: "offer",
]

struct SyncServiceTests {
    /// A pass's last transaction commits while the next pass fetches and compares (and the next type's
    /// first page is requested early), yet transactions still commit in pass order and `sync` returns
    /// only once all are in: with a transaction per page, every type's record events come after every
    /// earlier type's, and the runs it returns are the ones stored. (It does not force the two writes to
    /// race: the demo's and `bench sync --latency-ms`'s byte-identical logs cover the timing side.)
    @Test func overlappingPassesStillCommitInPlanOrder() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(), storePath: path)
            var options = SyncOptions(pageSize: 5)
            options.transactionBytes = 1
            for day in 0..<2 {
                if day > 0 { h.sim.advance(days: 1) }
                let before = try h.store.lastPosition
                let report = try await h.service().sync(options)
                #expect(report.runs.map(\.entityType) == SyncPlan.order.map(\.rawValue))
                for run in report.runs { #expect(try h.store.lastSyncRun(entityType: run.entityType) == run) }
                #expect(try h.store.lastPosition == report.lastPosition)
                let rank = Dictionary(uniqueKeysWithValues: SyncPlan.order.enumerated().compactMap { i, type in
                    SyncPlan.kind(of: type).map { ($0, i) }
                })
                let ranks = try h.store.events(after: before, types: EventTypeFilter(["record.*"])).map { rank[$0.subject.kind]! }
                #expect(!ranks.isEmpty)
                #expect(ranks == ranks.sorted(), "day \(day): record events out of pass order")
            }
        }
    }

    @Test func aFirstSyncRecordsEveryEntityAsCreated() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(), storePath: path)
            let report = try await h.service().sync()
            #expect(report.runs.map(\.entityType) == SyncPlan.order.map(\.rawValue))
            #expect(report.runs.allSatisfy { $0.mode == .full })
            let counts = h.sim.counts()
            let status = try h.store.status()
            for (kind, name) in simulatorTypeName {
                let created = try h.store.events(types: EventTypeFilter(["record.\(kind.rawValue).created"])).count
                #expect((status.records[kind]?.live ?? 0) == created, "\(kind)")
                if kind == .jobPosting {
                    // The simulator counts unpublished postings; jobPosting.list (as Ashby's) never returns them.
                    #expect(created > 0 && created <= counts[name] ?? 0, "\(kind)")
                } else {
                    #expect(created == counts[name] ?? 0, "\(kind)")
                }
            }
            #expect(try h.store.events(types: EventTypeFilter(["record.*.updated", "record.*.deleted"])).isEmpty)
            #expect(status.lastObservedAt == h.sim.now)
            #expect(status.syncTokens.contains("application.list"))
        }
    }

    @Test func aSecondSyncWithoutChangesAppendsNothingAndRunsIncrementally() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(), storePath: path)
            try await h.service().sync()
            let before = try h.store.lastPosition
            let log = ProgressLog()
            let report = try await h.service(observer: { log.add($0) }).sync()
            #expect(try h.store.lastPosition == before)
            #expect(report.appendedEvents == 0)
            let modes = Dictionary(uniqueKeysWithValues: report.runs.map { ($0.entityType, $0.mode) })
            for type in SyncPlan.order {
                #expect(modes[type.rawValue] == (type.listEndpoint.supportsSyncToken ? .incremental : .full), "\(type)")
            }
            // Pages without changes opened no write transaction for events.
            let pages = log.all.compactMap { if case .page(let p) = $0 { p } else { nil } }
            #expect(!pages.isEmpty && pages.allSatisfy { $0.events == 0 })
            // A forced full pass finds nothing either.
            let full = try await h.service().sync(SyncOptions(forceFull: true))
            #expect(full.appendedEvents == 0)
            #expect(full.runs.allSatisfy { $0.mode == .full })
        }
    }
}
