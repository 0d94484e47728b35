import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import Testing

/// Sync against the simulator compared with its ground-truth change journal.
struct SyncJournalTests {
    /// Ids of the records the journal deletes (their changes may or may not have been seen before).
    static func deletedIds(_ journal: [JournalEntry]) -> Set<String> {
        Set(journal.filter { $0.kind == .deleted || $0.kind == .merged }.map(\.entityId))
    }

    /// The domain facts a journal implies, as comparable strings (records it deletes left out).
    static func expectedFacts(_ journal: [JournalEntry]) -> (stageMoves: Set<String>, other: Set<String>) {
        let gone = deletedIds(journal)
        let createdOpenings = Set(journal.filter { $0.kind == .created && $0.entityType == "opening" }.map(\.entityId))
        var moves = Set<String>(), other = Set<String>()
        for e in journal where e.kind == .updated {
            guard !gone.contains(e.entityId) else { continue }
            let new = e.new?.stringValue
            switch (e.entityType, e.field) {
            case ("application", "currentInterviewStage.id"):
                moves.insert("\(e.entityId) \(e.old?.stringValue ?? "-")→\(new ?? "-") @\(e.at.iso8601)")
            case ("offer", "acceptanceStatus"):
                if new == "Accepted" { other.insert("offer.accepted \(e.entityId) @\(e.at.iso8601)") }
                if new == "Declined" { other.insert("offer.declined \(e.entityId) @\(e.at.iso8601)") }
                if new == "Cancelled" { other.insert("offer.cancelled \(e.entityId) @\(e.at.iso8601)") }
            case ("opening", "openingState"):
                let type = ["Open": "opening.opened", "Filled": "opening.filled", "Closed": "opening.closed"][new ?? ""]
                // Openings created after the baseline: see `recordedFacts`.
                if let type, !(type == "opening.opened" && createdOpenings.contains(e.entityId)) { other.insert("\(type) \(e.entityId) @\(e.at.iso8601)") }
            case ("job", "status"):
                let type = ["Open": "job.opened", "Closed": "job.closed"][new ?? ""]
                if let type { other.insert("\(type) \(e.entityId) @\(e.at.iso8601)") }
            default: break
            }
        }
        return (moves, other)
    }

    /// Target start date changes as a sync sees them: openings have no history endpoint, so several
    /// changes between two polls are one change (from the date at the earlier poll to the date at the
    /// later one, at the time of the last change), and an opening created between two polls is first
    /// seen with its latest date. `windows` are the journal's entries between consecutive polls.
    static func expectedTargetDateChanges(_ windows: [[JournalEntry]], deleted: Set<String>) -> Set<String> {
        var out = Set<String>()
        for window in windows {
            let created = Set(window.filter { $0.kind == .created }.map(\.entityId))
            var net: [String: (old: String, new: String, at: Timestamp)] = [:]
            var order: [String] = []
            for e in window where e.entityType == "opening" && e.field == "latestVersion.targetStartDate" {
                guard !created.contains(e.entityId), !deleted.contains(e.entityId) else { continue }
                let old = e.old?.stringValue ?? "-", new = e.new?.stringValue ?? "-"
                if let first = net[e.entityId] { net[e.entityId] = (first.old, new, e.at) } else {
                    net[e.entityId] = (old, new, e.at)
                    order.append(e.entityId)
                }
            }
            for id in order {
                let c = net[id]!
                if c.old != c.new { out.insert("opening.target_start_date_changed \(id) \(c.old)→\(c.new) @\(c.at.iso8601)") }
            }
        }
        return out
    }

    /// The same facts read from the log's events after `position`. A record first seen after it
    /// brings the facts of its first sighting: its entry into its first stage (not a journalled move)
    /// and, for a new opening, `opening.opened` whether it was created open (journalled as its creation,
    /// not a change) or opened later; so `opening.opened` of new openings is compared on neither side.
    static func recordedFacts(_ store: LedgerStore, after position: LogPosition, deleted: Set<String>) throws
        -> (stageMoves: Set<String>, other: Set<String>) {
        let events = try store.events(after: position)
        let createdLater = Set(events.filter { $0.type == .record($0.subject.kind, .created) }.map(\.subject))
        var moves = Set<String>(), other = Set<String>()
        for e in events where !deleted.contains(e.subject.id) {
            switch e.type {
            case .domain(.applicationStageChanged):
                guard let from = e.data["fromStage"]?.string("id") else { continue }
                let to = e.data["toStage"]?.string("id") ?? "-"
                moves.insert("\(e.subject.id) \(from)→\(to) @\(e.occurredAt.iso8601)")
            case .domain(.openingOpened) where createdLater.contains(e.subject):
                continue
            case .domain(.openingTargetStartDateChanged):
                let before = e.data["previousTargetStartDate"]?.stringValue ?? "-"
                let after = e.data["targetStartDate"]?.stringValue ?? "-"
                other.insert("opening.target_start_date_changed \(e.subject.id) \(before)→\(after) @\(e.occurredAt.iso8601)")
            case .domain(.offerAccepted), .domain(.offerDeclined), .domain(.offerCancelled), .domain(.openingOpened), .domain(.openingFilled),
                 .domain(.openingClosed), .domain(.jobOpened), .domain(.jobClosed):
                other.insert("\(e.type.wireName) \(e.subject.id) @\(e.occurredAt.iso8601)")
            default: break
            }
        }
        return (moves, other)
    }

    /// The small world always; the medium one (about 10k applications, a few seconds more) as well.
    @Test(arguments: [WorldSize.small, .medium])
    func eventsAfterSimulatedDaysMatchTheSimulatorsJournal(size: WorldSize) async throws {
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: SimulatedAshby(configuration: SimulatorConfiguration(seed: 21, size: size)), storePath: path)
            try await h.service().sync()
            let baseline = try h.store.lastPosition
            let journalStart = h.sim.journal().count
            // Several polls, some days apart, so stages move more than once between two of them.
            var windows: [[JournalEntry]] = []
            var seen = journalStart
            for days in [1, 3, 2, 5, 9, 12] {
                h.sim.advance(days: days)
                try await h.service().sync()
                let window = h.sim.journal(after: seen)
                windows.append(window)
                seen += window.count
            }
            let journal = h.sim.journal(after: journalStart)
            var expected = Self.expectedFacts(journal)
            expected.other.formUnion(Self.expectedTargetDateChanges(windows, deleted: Self.deletedIds(journal)))
            let recorded = try Self.recordedFacts(h.store, after: baseline, deleted: Self.deletedIds(journal))
            #expect(expected.stageMoves.count > 100, "the world should have moved")
            #expect(expected.other.count > 5, "offers, openings and jobs should have changed")
            #expect(expected.other.contains { $0.hasPrefix("opening.target_start_date_changed") }, "some target start dates should have slipped")
            #expect(recorded.stageMoves.subtracting(expected.stageMoves).sorted() == [])
            #expect(expected.stageMoves.subtracting(recorded.stageMoves).sorted() == [])
            #expect(recorded.other.subtracting(expected.other).sorted() == [])
            #expect(expected.other.subtracting(recorded.other).sorted() == [])
            // Superseded moves (several between two polls) are flagged backfilled.
            let moves = try h.store.events(after: baseline, types: EventTypeFilter(["application.stage_changed"]))
            #expect(moves.contains { $0.backfilled })
            #expect(moves.allSatisfy { !$0.occurredAtInferred })
        }
    }

    /// A→B→A between two polls leaves the current stage unchanged; the history shows the two moves, and
    /// both are recorded, flagged backfilled, at their real times.
    @Test func movesOutAndBackBetweenTwoPollsAreTwoBackfilledMoves() async throws {
        try await withTemporaryDirectory { path in
            var configuration = SimulatorConfiguration(seed: 41, size: .small)
            configuration.behaviours.backwardStageMoves = true
            let h = try SyncHarness(sim: SimulatedAshby(configuration: configuration), storePath: path)
            try await h.service().sync()
            let baseline = try h.store.lastPosition
            let journalStart = h.sim.journal().count
            var seen = journalStart
            var outAndBack: Set<String> = []
            for days in [2, 3, 4, 5, 6] {
                h.sim.advance(days: days)
                try await h.service().sync()
                let window = h.sim.journal(after: seen)
                seen += window.count
                // Applications whose stage at this poll is the one at the previous poll, having moved.
                var first: [String: String] = [:], last: [String: String] = [:]
                for e in window where e.entityType == "application" && e.field == "currentInterviewStage.id" {
                    if first[e.entityId] == nil { first[e.entityId] = e.old?.stringValue }
                    last[e.entityId] = e.new?.stringValue
                }
                for (id, stage) in last where first[id] == stage { outAndBack.insert(id) }
            }
            let journal = h.sim.journal(after: journalStart)
            let gone = Self.deletedIds(journal)
            outAndBack.subtract(gone)
            #expect(outAndBack.count >= 3, "the simulator should move some applications out and back")
            let expected = Self.expectedFacts(journal)
            let recorded = try Self.recordedFacts(h.store, after: baseline, deleted: gone)
            #expect(recorded.stageMoves.subtracting(expected.stageMoves).sorted() == [])
            #expect(expected.stageMoves.subtracting(recorded.stageMoves).sorted() == [])
            for id in outAndBack.sorted() {
                let moves = try h.store.events(after: baseline, types: EventTypeFilter(["application.stage_changed"]),
                                               entity: EntityKey(.application, id))
                #expect(moves.filter(\.backfilled).count >= 2, "\(id)")
            }
        }
    }
}
