import Testing
@testable import HireLedgerCore

struct PlanChangesProjectionTests {
    let state = PlanChangesProjection.fold(PF.planLog().events)

    @Test func changesLearntSinceASyncAreListedInLogOrder() {
        let view = PlanChangesProjection.changes(state, query: PlanChangesQuery(axis: .observed, since: PF.t("2026-02-01T00:00:00Z")))
        #expect(view.items.map(\.kind) == [.targetStartDateChanged, .openingFilled, .hireLanded])
        let slip = view.items[0]
        #expect(slip.openingId == "op-3")
        #expect(slip.identifier == "ENG-3")
        #expect(slip.deltaDays == 30)
        #expect(slip.slipped)
        #expect(slip.departmentId == "dep-eng")
        #expect(view.items[2].applicationId == "app-1")
        #expect(view.summary["slipped"] == 1)
        #expect(view.summary["opening_filled"] == 1)
    }

    @Test func firstSyncBringsTheWholePlan() {
        let view = PlanChangesProjection.changes(state, query: PlanChangesQuery(axis: .observed, since: PF.t("2026-01-01T00:00:00Z"),
                                                                                 until: PF.t("2026-02-01T00:00:00Z")))
        let kinds = view.items.map(\.kind.rawValue)
        #expect(kinds.filter { $0 == "opening_opened" }.count == 4) // op-1, op-3, and op-4, op-5 first seen closed with an openedAt
        #expect(kinds.contains("opening_closed"))
        #expect(kinds.contains("offer_accepted"))
        let accepted = view.items.first { $0.kind == .offerAccepted }
        #expect(accepted?.openingId == "op-1")
        #expect(accepted?.departmentId == "dep-be")
        #expect(accepted?.json["date"] == "2026-03-09")
    }

    @Test func aBackfilledFillCountsInTheWindowItHappenedInButNotBeforeItWasKnown() {
        let march = PlanChangesQuery(axis: .occurred, since: PF.t("2026-03-01T00:00:00Z"), until: PF.t("2026-03-10T00:00:00Z"))
        #expect(PlanChangesProjection.changes(state, query: march).items.map(\.kind) == [.openingFilled, .hireLanded])
        var then = march
        then.knownAt = PF.t("2026-03-10T00:00:00Z")
        #expect(PlanChangesProjection.changes(state, query: then).items.isEmpty)
    }

    @Test func itemsCarryNoCandidateData() {
        let json = PlanChangesProjection.changes(state, query: PlanChangesQuery(axis: .observed, since: .distantPast)).json
        let text = json.canonicalString
        #expect(!text.contains("Test Person"))
        #expect(!text.contains("cand-"))
    }
}
