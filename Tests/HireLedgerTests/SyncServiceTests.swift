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
                if kind == .jobPosting || kind == .customField {
                    // The simulator counts unpublished postings (jobPosting.list never returns them) and
                    // archived custom fields (the catalogue sends no includeArchived, per the spec).
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
