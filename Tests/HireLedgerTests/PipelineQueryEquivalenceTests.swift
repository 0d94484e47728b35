import Foundation
import HireLedger
@testable import HireLedgerCore
import Testing

/// The pipeline state of version 3 (flat entry slots, binary checkpoint) answers every view exactly
/// as the version-2 fold and view (`LegacyPipeline`) do: over the log of a simulated account synced
/// daily, and over random logs with what a simulated account rarely shows (stage moves learnt out of
/// valid-time order, equal instants, deletions and restores, applications that change job or have
/// none, stages without a type, departments renamed and moved). Here rather than in the core's tests
/// because the simulated account needs the sync.
struct PipelineQueryEquivalenceTests {
    /// A random log of `steps` events (observedAt never decreasing).
    static func randomLog(seed: UInt64, steps: Int) -> [RecordedEvent] {
        var rng = SplitMix64(seed: seed)
        var events: [RecordedEvent] = []
        let base = Timestamp(iso8601: "2025-11-20T00:00:00Z")!.millisecondsSinceEpoch
        var now = base
        let types: [String?] = ["Lead", "PreInterviewScreen", "Active", "Active", "Offer", "Hired", "Archived", nil, "Custom"]
        let stageCount = Int.random(in: 3...types.count, using: &rng)
        let stages = (0..<stageCount).map { i in
            StageSummary(id: "st-\(i)", title: i % 4 == 3 ? nil : "Stage \(i)", type: types[i],
                         orderInInterviewPlan: i == 2 ? nil : (i * 7) % 5)
        }
        let departments = ["dep-a", "dep-b", "dep-c", "dep-d"]
        let jobs = (0..<Int.random(in: 1...6, using: &rng)).map { j in
            JobSummary(id: "job-\(j)", title: "Job \(j)", departmentId: j == 5 ? nil : departments[j % departments.count], locationId: "loc")
        }
        let apps = Int.random(in: 5...40, using: &rng)
        var present: [String: Bool] = [:]
        func add(_ type: EventType, _ subject: EntityKey, occurred: Int64, _ data: JSONValue) {
            events.append(RecordedEvent(seq: LogPosition(UInt64(events.count + 1)), storeId: "t", type: type, subject: subject,
                                        observedAt: Timestamp(millisecondsSinceEpoch: now), occurredAt: Timestamp(millisecondsSinceEpoch: occurred),
                                        occurredAtInferred: false, backfilled: occurred < now, data: data, causation: nil))
        }
        var valids: [Int64] = []
        for _ in 0..<steps {
            // Time moves by nothing (equal observations), minutes, or days; now and then by odd ms.
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...2: break
            case 3...6: now += Int64.random(in: 1...600, using: &rng) * 60_000
            case 7...8: now += Int64.random(in: 1...20, using: &rng) * 86_400_000
            default: now += Int64.random(in: 1...100_000_000, using: &rng)
            }
            // Valid time: now, an earlier instant (a backfill), or exactly an instant already used.
            let occurred: Int64
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1: occurred = now
            case 2, 3: occurred = now - Int64.random(in: 0...40, using: &rng) * 86_400_000 / 3
            default: occurred = valids.randomElement(using: &rng) ?? now
            }
            valids.append(occurred)
            let app = "app-\(Int.random(in: 0..<apps, using: &rng))"
            switch Int.random(in: 0..<20, using: &rng) {
            case 0...11:
                let job = Int.random(in: 0..<8, using: &rng) == 0 ? nil : jobs.randomElement(using: &rng)
                let data = ApplicationEvent.StageChanged(
                    application: ApplicationEvent.Application(applicationId: app, candidateId: nil, status: "Active", job: job),
                    fromStage: nil, toStage: stages.randomElement(using: &rng)!, enteredStageAt: nil, historyEntryId: nil).data
                add(ApplicationEvent.StageChanged.type, EntityKey(.application, app), occurred: occurred, data)
                present[app] = true
            case 12:
                add(.record(.application, .deleted), EntityKey(.application, app), occurred: occurred, ["reason": "not in a full sync"])
                present[app] = false
            case 13, 14:
                // Restores mostly follow a deletion of the same application.
                let target = present.first { !$0.value }?.key ?? app
                add(.record(.application, .restored), EntityKey(.application, target), occurred: occurred, ["record": ["id": .string(target)]])
                present[target] = true
            case 15:
                let d = departments.randomElement(using: &rng)!
                let parent: JSONValue = d == "dep-a" ? .null : .string(departments.randomElement(using: &rng)!)
                if Bool.random(using: &rng) {
                    add(.record(.department, .created), EntityKey(.department, d), occurred: occurred,
                        ["record": ["id": .string(d), "name": .string("Dept \(d) \(events.count)"), "parentId": parent,
                                    "createdAt": .string(Timestamp(millisecondsSinceEpoch: occurred).iso8601)]])
                } else {
                    add(.record(.department, .updated), EntityKey(.department, d), occurred: occurred,
                        ["changes": ["name": ["after": .string("Renamed \(events.count)")], "parentId": ["after": parent]]])
                }
            case 16:
                let j = jobs.randomElement(using: &rng)!
                let o = "op-\(Int.random(in: 0..<8, using: &rng))"
                let opening = OpeningEvent.Opening(openingId: o, identifier: nil, state: "Open", previousState: nil, openedAt: nil,
                                                   closedAt: nil, closeReasonId: nil, departmentId: j.departmentId, locationIds: [],
                                                   jobs: [j], employmentType: nil, isBackfill: nil, targetHireDate: nil, targetStartDate: nil)
                add(OpeningEvent.Opened.type, EntityKey(.opening, o), occurred: occurred, OpeningEvent.Opened(opening: opening).data)
            case 17:
                let j = jobs.randomElement(using: &rng)!
                let job = JobEvent.Job(jobId: j.id, title: j.title, status: "Open", previousStatus: nil, departmentId: j.departmentId,
                                       locationId: nil, employmentType: nil, confidential: nil, requisitionId: nil, openedAt: nil, closedAt: nil)
                add(JobEvent.Opened.type, EntityKey(.job, j.id), occurred: occurred, JobEvent.Opened(job: job).data)
            default:
                let j = jobs.randomElement(using: &rng)!
                let offer = OfferEvent.Offer(offerId: "off-\(events.count)", applicationId: app, candidateId: nil, job: j,
                                             acceptanceStatus: "Accepted", offerStatus: nil, versionId: nil,
                                             openingId: Bool.random(using: &rng) ? "op-\(Int.random(in: 0..<8, using: &rng))" : nil,
                                             startDate: Bool.random(using: &rng) ? Timestamp(millisecondsSinceEpoch: now).adding(days: 30).day.iso8601 : nil,
                                             salary: nil)
                add(OfferEvent.Accepted.type, EntityKey(.offer, offer.offerId), occurred: occurred,
                    OfferEvent.Accepted(offer: offer, decidedAt: nil).data)
            }
        }
        return events
    }

    /// Random points on both axes (and none), with and without a month window.
    static func randomQueries(_ events: [RecordedEvent], seed: UInt64, count: Int) -> [PipelineQuery] {
        var rng = SplitMix64(seed: seed ^ 0xABCD)
        let times = events.flatMap { [$0.observedAt.millisecondsSinceEpoch, $0.occurredAt.millisecondsSinceEpoch] }
        let low = (times.min() ?? 0) - 86_400_000, high = (times.max() ?? 0) + 86_400_000
        func point() -> Timestamp {
            // Exactly an event's instant half the time (the edges of `<=`), else anywhere.
            Bool.random(using: &rng) ? Timestamp(millisecondsSinceEpoch: times.randomElement(using: &rng) ?? 0)
                : Timestamp(millisecondsSinceEpoch: Int64.random(in: low...high, using: &rng))
        }
        func month() -> YearMonth? { Bool.random(using: &rng) ? nil : YearMonth(point().day) }
        var out: [PipelineQuery] = []
        for grouping in PipelineQuery.Grouping.allCases {
            out.append(PipelineQuery(groupBy: grouping))
            for _ in 0..<count {
                let axes = Int.random(in: 0..<3, using: &rng)
                out.append(PipelineQuery(groupBy: grouping, from: month(), to: month(), asOf: axes == 1 ? nil : point(),
                                         knownAt: axes == 0 ? nil : point()))
            }
        }
        return out
    }

    static func expectSameAnswers(_ state: PipelineState, _ legacy: LegacyPipelineState, _ queries: [PipelineQuery],
                                  _ comment: String) {
        let order = state.applicationOrder
        for q in queries {
            let new = PipelineProjection.view(state, query: q)
            let old = LegacyPipeline.view(legacy, query: q, order: order, openingOrder: Array(state.openingFills.keys),
                                          jobFillOrder: Array(state.jobFills.keys))
            #expect(new == old, "\(comment) \(q)")
            #expect(new.json.canonicalString == old.json.canonicalString, "\(comment) \(q)")
            #expect(new.csv.text == old.csv.text, "\(comment) \(q)")
            #expect(new.funnelCSV.text == old.funnelCSV.text, "\(comment) \(q)")
        }
    }

    @Test func everyViewOfASimulatedAccountEqualsTheVersion2Answer() async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: tinySimulator(seed: 3), storePath: path)
            for day in 0...45 {
                try await h.service().sync()
                if day < 45 { h.sim.advance(days: 1) }
            }
            let events = try h.store.events()
            let state = PipelineProjection.fold(events)
            let legacy = LegacyPipeline.fold(events)
            let queries = Self.randomQueries(events, seed: 3, count: 40)
            Self.expectSameAnswers(state, legacy, queries, "simulated")
            Self.expectSameAnswers(try PipelineProjection.decode(PipelineProjection.encode(state)), legacy, queries, "simulated, decoded")
            let moves = events.filter { $0.type == .domain(.applicationStageChanged) }
            #expect(state.applicationCount > 50 && moves.count > 200, "\(state.applicationCount) applications, \(moves.count) moves")
            #expect(moves.contains { $0.backfilled }, "some moves were recovered from history")
        }
    }

    @Test(arguments: 0..<24)
    func everyViewEqualsTheVersion2Answer(seed: Int) throws {
        let events = Self.randomLog(seed: UInt64(seed), steps: 40 + seed * 25)
        let state = PipelineProjection.fold(events)
        let legacy = LegacyPipeline.fold(events)
        let queries = Self.randomQueries(events, seed: UInt64(seed), count: 30)
        Self.expectSameAnswers(state, legacy, queries, "seed \(seed)")
        // The same after a checkpoint round trip, and after folding on from a checkpoint taken midway.
        let decoded = try PipelineProjection.decode(PipelineProjection.encode(state))
        Self.expectSameAnswers(decoded, legacy, queries, "seed \(seed), decoded")
        let split = events.count / 3
        var resumed = try PipelineProjection.decode(PipelineProjection.encode(PipelineProjection.fold(events[..<split])))
        PipelineProjection.fold(events[split...], into: &resumed)
        #expect(PipelineProjection.encode(resumed) == PipelineProjection.encode(state))
        Self.expectSameAnswers(resumed, legacy, queries, "seed \(seed), resumed")
    }

    /// The logs exercise what the view must get right, or the test above proves little.
    @Test func randomLogsHoldBackfillsTiesDeletionsAndRestores() {
        var backfilled = 0, ties = 0, deletions = 0, restores = 0, hiddenByDeletion = 0
        for seed in 0..<24 {
            let events = Self.randomLog(seed: UInt64(seed), steps: 40 + seed * 25)
            let legacy = LegacyPipeline.fold(events)
            for app in legacy.applications.values {
                let valid = app.entries.map(\.valid)
                backfilled += zip(valid, valid.dropFirst()).filter { $0 > $1 }.count
                ties += valid.count - Set(valid).count
                deletions += app.entries.filter { $0.stageId == LegacyPipelineState.goneStageId }.count
                if app.entries.last?.stageId == LegacyPipelineState.goneStageId { hiddenByDeletion += 1 }
                restores += zip(app.entries, app.entries.dropFirst()).filter { $0.stageId == LegacyPipelineState.goneStageId && $1.stageId != LegacyPipelineState.goneStageId }.count
            }
        }
        #expect(backfilled > 50)
        #expect(ties > 50)
        #expect(deletions > 20)
        #expect(restores > 10)
        #expect(hiddenByDeletion > 5)
    }

    @Test func aLargerLogAgreesToo() throws {
        let events = Self.randomLog(seed: 99, steps: 4_000)
        let state = PipelineProjection.fold(events)
        Self.expectSameAnswers(state, LegacyPipeline.fold(events), Self.randomQueries(events, seed: 99, count: 20), "large")
        #expect(state.applicationCount > 30)
    }

    @Test func truncatedOrDamagedStatesAreRefused() throws {
        let bytes = PipelineProjection.encode(PipelineProjection.fold(Self.randomLog(seed: 5, steps: 300)))
        for cut in [0, 4, 5, 13, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ProjectionStateError.self) { try PipelineProjection.decode(Array(bytes[..<cut])) }
        }
        #expect(throws: ProjectionStateError.self) { try PipelineProjection.decode(bytes + [0]) }
        #expect(throws: ProjectionStateError.self) { try PipelineProjection.decode(Array("{\"applications\":{}}".utf8)) }
    }
}
