import AshbyAPI
import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import Testing

/// Thirty-odd simulated days of an account with every real-account behaviour switched on (A→B→A moves,
/// openings archived while open, several target-date changes per day, file handles re-signed on every
/// read, merges and deletions), synced every 1 to 5 days as the CLI does, compared with the simulator's
/// journal and with the API itself.
///
/// Small world by default; `HIRELEDGER_SCENARIO_SIZE=medium` for the medium one (about 10k applications).
struct RealAccountScenarioTests {
    static let gaps = [1, 3, 2, 5, 4, 1, 5, 2, 3, 4, 1, 2, 3]  // 36 days, 13 syncs after the first

    @Test func thirtyDaysWithEveryBehaviourMatchTheJournalAndTheAPI() async throws {
        let size = WorldSize(rawValue: ProcessInfo.processInfo.environment["HIRELEDGER_SCENARIO_SIZE"] ?? "") ?? .small
        var configuration = SimulatorConfiguration(seed: 61, size: size)
        configuration.behaviours = .all
        // As the CLI syncs: deletion check on every sync for types of up to 20k records.
        let options = SyncOptions(deletionCheckMaxRecords: 20_000)
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: SimulatedAshby(configuration: configuration), storePath: path)
            try await h.service().sync(options)
            let baseline = try h.store.lastPosition
            let journalStart = h.sim.journal().count
            var windows: [[JournalEntry]] = []
            var syncTimes: [Timestamp] = []
            var seen = journalStart
            for (n, gap) in Self.gaps.enumerated() {
                h.sim.advance(days: gap)
                // Refused tokens and cursors too: each code Ashby refuses with, once, on the first syncs
                // (each recovers by a full pass of the type in the same run, which must record the same facts).
                if n < FaultConfiguration.refusalCodes.count {
                    h.sim.faults = FaultConfiguration(refuseNextToken: [FaultConfiguration.refusalCodes[n]])
                }
                let report = try await h.service().sync(options)
                if n < FaultConfiguration.refusalCodes.count {
                    let code = FaultConfiguration.refusalCodes[n]
                    #expect(report.runs.contains { $0.fullPassReason?.contains(code) == true }, "\(code) was not met and recovered from")
                }
                h.sim.faults = FaultConfiguration()
                syncTimes.append(h.sim.now)
                let window = h.sim.journal(after: seen)
                windows.append(window)
                seen += window.count
            }
            let journal = h.sim.journal(after: journalStart)
            let gone = SyncJournalTests.deletedIds(journal)

            // Stage moves (A→B→A and superseded ones included), offers, openings and jobs: each exactly once.
            var expected = SyncJournalTests.expectedFacts(journal)
            expected.other.formUnion(SyncJournalTests.expectedTargetDateChanges(windows, deleted: gone))
            let recorded = try SyncJournalTests.recordedFacts(h.store, after: baseline, deleted: gone)
            #expect(expected.stageMoves.count > 50)
            #expect(recorded.stageMoves.subtracting(expected.stageMoves).sorted() == [])
            #expect(expected.stageMoves.subtracting(recorded.stageMoves).sorted() == [])
            #expect(recorded.other.subtracting(expected.other).sorted() == [])
            #expect(expected.other.subtracting(recorded.other).sorted() == [])
            let events = try h.store.events(after: baseline)
            let moves = events.filter { $0.type == .domain(.applicationStageChanged) }
            #expect(moves.count == Set(moves.map { "\($0.subject.id)@\($0.occurredAt.iso8601)" }).count, "no move twice")
            // Target date changes are net changes between two polls, and say so.
            let dateChanges = events.filter { $0.type == .domain(.openingTargetStartDateChanged) }
            #expect(!dateChanges.isEmpty && dateChanges.allSatisfy { $0.data["collapsedFields"] == ["latestVersion.targetStartDate"] })

            // Merges: candidate.merged with the survivor, never a plain deletion; deletions inferred, timed
            // no later than the sync that found them.
            // (A candidate created and merged away between two syncs was never seen: nothing to record.)
            var merges: [String: String?] = [:]
            for e in journal where e.kind == .merged {
                if try h.store.stateRow(EntityKey(.candidate, e.entityId)) != nil { merges[e.entityId] = e.new?.stringValue }
            }
            let recordedMerges = events.filter { $0.type == .domain(.candidateMerged) }
            #expect(!merges.isEmpty, "the simulator should merge candidates within the run")
            #expect(recordedMerges.count == merges.count)
            for e in recordedMerges {
                #expect(merges[e.subject.id] == .some(e.data["mergedIntoCandidateId"]?.stringValue), "\(e.subject.id)")
            }
            let deletions = events.filter { $0.type.wireName.hasPrefix("record.") && $0.type.wireName.hasSuffix(".deleted") }
            #expect(deletions.allSatisfy { $0.occurredAtInferred && $0.occurredAt <= $0.observedAt })
            for e in deletions where e.subject.kind == .candidate {
                let merged = merges[e.subject.id] != nil
                #expect(e.data["reason"]?.stringValue == (merged ? "merged" : "absent_from_full_sync"), "\(e.subject.id)")
            }
            // (jobPosting.list lists published postings only: an unpublished one leaves the listing.)
            let journalDeleted = Set(journal.filter { $0.kind == .deleted }.map { "\($0.entityType)/\($0.entityId)" })
                .union(journal.filter { $0.field == "isPublished" && $0.new == false }.map { "job_posting/\($0.entityId)" })
            // (The API stops listing the schedules of a deleted application; the simulator journals only its
            // recent ones.)
            let deletedApplications = Set(journal.filter { $0.kind == .deleted && $0.entityType == "application" }.map(\.entityId))
            let recordedDeleted = Set(deletions.filter { $0.data["reason"]?.stringValue == "absent_from_full_sync" }
                .filter { e in
                    !(e.subject.kind == .interviewSchedule
                      && deletedApplications.contains(e.data["lastKnown"]?.string("applicationId") ?? ""))
                }
                .map { "\($0.subject.kind.wireName)/\($0.subject.id)" })
            #expect(recordedDeleted.subtracting(journalDeleted).sorted() == [])

            // Re-signed file handles are not part of the recorded records.
            let withResume = try h.store.liveKeys(of: .candidate).lazy.compactMap { try? h.store.currentRecord($0)?["resumeFileHandle"] }.first
            #expect(withResume != nil && withResume?["handle"] == nil)

            // Offers waiting on approval were created, then approved or turned down (cancelled, above); custom
            // field values were set and changed.
            let approvals = journal.filter { $0.field == "latestVersion.approvalStatus" }
            let customValues = journal.filter { $0.field?.hasPrefix("customFields.") == true }
            #expect(!approvals.isEmpty && !customValues.isEmpty)
            print("""
                every behaviour, \(WorldSize(rawValue: ProcessInfo.processInfo.environment["HIRELEDGER_SCENARIO_SIZE"] ?? "") ?? .small) world: \
                \(journal.count) journal entries, \(expected.stageMoves.count) stage moves, \(expected.other.count) other facts, \
                \(merges.count) merges, \(approvals.filter { $0.new == "Approved" }.count) offers approved and \
                \(approvals.filter { $0.new == "Declined" }.count) turned down after waiting on approval, \
                \(customValues.count) custom field values set, \(events.count) events after the first sync
                """)

            // The folded state equals a full pull of the API now (file handles re-signed on that read too):
            // a full pass finds nothing to catch up.
            let catchUp = try await h.service().sync(SyncOptions(forceFull: true))
            #expect(catchUp.appendedEvents == 0, "a full pass after the syncs should record nothing")
        }
    }

    /// Embedded copies (a user deactivated inside `creditedToUser`, `scheduledBy`, interviewers and offer
    /// authors; a custom field renamed inside every value) change without their parent's `updatedAt`, so
    /// Ashby's incremental feed never returns the parent. With copies kept as references, incremental
    /// syncs alone (no deletion check, no periodic full pass) leave a state index equal to a full pull of
    /// the API normalised the same way, and a final `--full` pass records no update at all: only the
    /// deletions that only a full pass can see. The same run with normaliser version 1 (copies stored as
    /// sent) shows what the references prevent: records stale after the incremental syncs and a catch-up
    /// burst of updates on the full pass.
    @Test(arguments: [1, RecordNormalizer.version])
    func incrementalSyncsAloneMatchAFullPullAndAFullPassCatchesNothingUp(normaliserVersion: Int) async throws {
        let size = WorldSize(rawValue: ProcessInfo.processInfo.environment["HIRELEDGER_SCENARIO_SIZE"] ?? "") ?? .small
        var configuration = SimulatorConfiguration(seed: 63, size: size)
        configuration.behaviours = .all
        let options = SyncOptions(fullPassIntervalDays: nil, deletionCheckMaxRecords: nil)
        let normalizer = normaliserVersion == 1 ? RecordNormalizer(volatileFields: RecordNormalizer.standardVolatileFields) : .standard
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: SimulatedAshby(configuration: configuration), storePath: path)
            let service = { SyncService(store: h.store, client: h.client, clock: h.clock, normalizer: normalizer) }
            try await service().sync(options)
            let journalStart = h.sim.journal().count
            var incrementalEvents = 0
            for gap in Self.gaps {
                h.sim.advance(days: gap)
                incrementalEvents += try await service().sync(options).appendedEvents
            }
            let journal = h.sim.journal(after: journalStart)
            let deactivated = journal.filter { $0.entityType == "user" && $0.field == "isEnabled" }.count
            let renamedFields = journal.filter { $0.entityType == "customField" && $0.field == "title" }.count
            #expect(deactivated > 0, "users should be deactivated within the run")
            #expect(renamedFields > 0, "custom fields should be renamed within the run")

            // The state index against a full pull of every listable type, normalised as a sync does.
            let gone = Set(journal.filter { $0.kind == .deleted || $0.kind == .merged }.map(\.entityId))
                .union(journal.filter { $0.field == "isPublished" && $0.new == false }.map(\.entityId))
            var compared = 0, differing: [String] = [], missing: [String] = [], unlisted: [String] = []
            // Records holding a copy of a deactivated user (only users have `isEnabled`): each would differ
            // from its stored copy had the copy been stored.
            var withDeactivatedCopy = 0
            let disabled = Array(#""isEnabled":false"#.utf8)
            for type in SyncPlan.order where type.listEndpoint.requiredParameter == nil {
                let kind = SyncPlan.kind(of: type)!
                var listed = Set<String>()
                for record in try await h.client.listAll(type.listEndpoint).records {
                    let id = record.string("id")!
                    listed.insert(id)
                    compared += 1
                    if kind != .user, record.canonicalBytes().firstRange(of: disabled) != nil { withDeactivatedCopy += 1 }
                    guard let stored = try h.store.currentRecord(EntityKey(kind, id)) else { missing.append("\(kind)/\(id)"); continue }
                    if stored != normalizer.normalize(record, kind: kind).value { differing.append("\(kind)/\(id)") }
                }
                for key in try h.store.liveKeys(of: kind) where !listed.contains(key.id) {
                    // Deleted in Ashby (only a full pass can see it), or a schedule of a deleted application.
                    let applicationId = try h.store.currentRecord(key)?.string("applicationId") ?? ""
                    if !gone.contains(key.id) && !gone.contains(applicationId) { unlisted.append("\(kind)/\(key.id)") }
                }
            }
            #expect(compared > 500)
            #expect(withDeactivatedCopy > 0)
            #expect(missing == [], "records the incremental syncs never recorded")
            if normaliserVersion == 1 {
                #expect(differing.count > 0, "copies stored as sent should go stale")
            } else {
                #expect(differing.count == 0, "\(differing.count) records differ from the API: \(differing.prefix(8))")
            }
            #expect(unlisted == [], "records the API no longer lists although not deleted")

            // A full pass now: nothing updated, no catch-up burst; only deletions and what they imply.
            let before = try h.store.lastPosition
            let full = try await service().sync(SyncOptions(forceFull: true))
            let events = try h.store.events(after: before)
            let updated = events.filter { if case .record(_, .updated) = $0.type { true } else { false } }
            let recorded = events.filter { if case .record = $0.type { true } else { false } }
            let deleted = recorded.filter { if case .record(_, .deleted) = $0.type { true } else { false } }
            if normaliserVersion == 1 {
                #expect(updated.count == differing.count, "the full pass catches up exactly the stale records")
            } else {
                #expect(updated.isEmpty, "a full pass caught up \(updated.count) updates: \(updated.prefix(8).map { "\($0.subject)" })")
                #expect(recorded.count == deleted.count)
            }
            let staleKinds = Dictionary(grouping: differing, by: { $0.split(separator: "/").first.map(String.init) ?? "" })
                .mapValues(\.count).sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            print("""
                embedded copies, normaliser version \(normaliserVersion), \(size) world, \(Self.gaps.count) incremental syncs over \(Self.gaps.reduce(0, +)) days: \
                \(journal.count) journal entries, \(deactivated) users deactivated, \(renamedFields) custom fields renamed, \
                \(incrementalEvents) events recorded incrementally; \(compared) records compared with a full pull \
                (\(withDeactivatedCopy) holding a copy of a deactivated user), \
                \(differing.count) differ (\(staleKinds)); final full pass: \(full.appendedEvents) events, \(updated.count) updates, \
                \(deleted.count) deletions
                """)
        }
    }

    /// Keeping copies as references changes what the state holds, not what the log tells: two stores
    /// synced alike from twin simulators, one storing copies as sent (normaliser version 1), record the
    /// same domain events (types, subjects, times, flags and payloads: the stage's title, type and order and
    /// the job's fields are read from their own records), and their views are byte for byte the same.
    @Test func domainEventsAndViewsAreTheSameWithCopiesOrReferences() async throws {
        var configuration = SimulatorConfiguration(seed: 64, size: .small)
        configuration.behaviours = .all
        let options = SyncOptions(deletionCheckMaxRecords: 20_000)
        let version1 = RecordNormalizer(volatileFields: RecordNormalizer.standardVolatileFields)
        try await withTemporaryDirectory { pathV1 in
            try await withTemporaryDirectory { pathV2 in
                let v1 = try SyncHarness(sim: SimulatedAshby(configuration: configuration), storePath: pathV1)
                let v2 = try SyncHarness(sim: SimulatedAshby(configuration: configuration), storePath: pathV2)
                func sync() async throws {
                    try await SyncService(store: v1.store, client: v1.client, clock: v1.clock, normalizer: version1).sync(options)
                    try await SyncService(store: v2.store, client: v2.client, clock: v2.clock).sync(options)
                }
                try await sync()
                for gap in Self.gaps.prefix(8) {
                    v1.sim.advance(days: gap)
                    v2.sim.advance(days: gap)
                    try await sync()
                }
                func domain(_ store: LedgerStore) throws -> [String] {
                    try store.events(after: .none).compactMap { e in
                        guard case .domain = e.type else { return nil }
                        return "\(e.type.wireName) \(e.subject) @\(e.occurredAt.iso8601) \(e.observedAt.iso8601) "
                            + "\(e.occurredAtInferred) \(e.backfilled) \(String(decoding: e.data.canonicalBytes(), as: UTF8.self))"
                    }
                }
                let (events1, events2) = (try domain(v1.store), try domain(v2.store))
                #expect(events1.count > 1_000)
                #expect(events1.count == events2.count)
                let differing = zip(events1, events2).filter { $0 != $1 }
                #expect(differing.isEmpty, "\(differing.count) differ, first:\n\(differing.first.map { "\($0.0)\n\($0.1)" } ?? "")")
                let moves = try v2.store.events(types: EventTypeFilter(["application.stage_changed"]))
                #expect(moves.allSatisfy { $0.data["toStage"]?.string("title") != nil && $0.data["toStage"]?.string("type") != nil })
                #expect(moves.allSatisfy { $0.data["job"]?.string("title") != nil && $0.data["job"]?.string("departmentId") != nil })
                // Copies did change within the run: version 1 recorded more record events.
                #expect(try v1.store.lastPosition > v2.store.lastPosition)

                func views(_ store: LedgerStore) throws -> [[UInt8]] {
                    let headcount = ProjectionRunner<HeadcountProjection>(store: store)
                    try headcount.catchUp()
                    let pipeline = ProjectionRunner<PipelineProjection>(store: store)
                    try pipeline.catchUp()
                    return [
                        HeadcountProjection.view(headcount.state, query: HeadcountQuery()).json.canonicalBytes(),
                        HeadcountProjection.view(headcount.state, query: HeadcountQuery(groupBy: [.department, .location])).json.canonicalBytes(),
                        PipelineProjection.view(pipeline.state, query: PipelineQuery(groupBy: .job)).json.canonicalBytes(),
                        PipelineProjection.view(pipeline.state, query: PipelineQuery(groupBy: .department)).json.canonicalBytes(),
                    ]
                }
                #expect(try views(v1.store) == views(v2.store))
                print("copies or references, small world, 9 syncs: \(events2.count) domain events equal; log \(try v1.store.lastPosition) "
                      + "events with copies, \(try v2.store.lastPosition) with references")
            }
        }
    }

    /// `pipeline --as-of` and `headcount --as-of` at three sync times equal the API's own answer then:
    /// a twin of the simulator, advanced alike, read whole at each of those times.
    @Test func asOfViewsAtThreeDatesEqualTheAccountAtThoseDates() async throws {
        var configuration = SimulatorConfiguration(seed: 62, size: .small)
        configuration.behaviours = .all
        let options = SyncOptions(deletionCheckMaxRecords: 20_000)
        let checkAfter: Set<Int> = [3, 7, 12]
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: SimulatedAshby(configuration: configuration), storePath: path)
            let twin = SimulatedAshby(configuration: configuration)
            let twinClient = AshbyClient(baseURL: "http://twin.invalid", apiKey: try APIKey(twin.fullAccessKey),
                                         transport: InProcessSimulatorTransport(sim: twin), retryPolicy: RetryPolicy.ashbyClient(seed: 7),
                                         clock: ManualAshbyClock())
            try await h.service().sync(options)
            var truths: [(at: Timestamp, planned: Int, filled: Int, stageCounts: [String: Int])] = []
            for (i, gap) in Self.gaps.enumerated() {
                h.sim.advance(days: gap)
                twin.advance(days: gap)
                try await h.service().sync(options)
                guard checkAfter.contains(i) else { continue }
                var planned = 0, filled = 0
                for o in try await twinClient.listAll(.openingList).records {
                    let state = o.string("openingState")
                    if (state == "Open" || state == "Approved") && o["isArchived"]?.boolValue != true { planned += 1 }
                    if state == "Filled" { filled += 1 }
                }
                var stageCounts: [String: Int] = [:]
                for a in try await twinClient.listAll(.applicationList).records {
                    if let stage = a["currentInterviewStage"]?.string("id") { stageCounts[stage, default: 0] += 1 }
                }
                truths.append((twin.now, planned, filled, stageCounts))
            }
            #expect(truths.count == 3)
            // Queried once, at the end: what was true at each date as HireLedger knows it now.
            let headcount = ProjectionRunner<HeadcountProjection>(store: h.store)
            try headcount.catchUp()
            let pipeline = ProjectionRunner<PipelineProjection>(store: h.store)
            try pipeline.catchUp()
            for truth in truths {
                let totals = HeadcountProjection.view(headcount.state, query: HeadcountQuery(groupBy: [], interval: .none, asOf: truth.at)).totals
                #expect(totals.planned == truth.planned && totals.filled == truth.filled,
                        "headcount as of \(truth.at.iso8601): \(totals) vs planned \(truth.planned), filled \(truth.filled)")
                let view = PipelineProjection.view(pipeline.state, query: PipelineQuery(groupBy: .job, asOf: truth.at))
                var counts: [String: Int] = [:]
                for row in view.rows { for stage in row.stages where stage.current > 0 { counts[stage.stageId, default: 0] += stage.current } }
                #expect(counts == truth.stageCounts, "pipeline as of \(truth.at.iso8601)")
            }
        }
    }
}
