import Testing
@testable import HireLedgerCore

struct HeadcountProjectionTests {
    let state = HeadcountProjection.fold(PF.planLog().events)

    func row(_ view: HeadcountView, _ department: String?, _ month: String?) -> HeadcountCounts? {
        view.rows.first { $0.department?.id == department && $0.month?.iso8601 == month }?.counts
    }

    func counts(planned: Int = 0, committed: Int = 0, filled: Int = 0, slipped: Int = 0, slippedDays: Int = 0,
                closedUnfilled: Int = 0, newHeadcount: Int = 0, backfills: Int = 0) -> HeadcountCounts {
        var c = HeadcountCounts()
        c.planned = planned; c.committed = committed; c.filled = filled; c.slipped = slipped; c.slippedDays = slippedDays
        c.closedUnfilled = closedUnfilled; c.newHeadcount = newHeadcount; c.backfills = backfills
        return c
    }

    @Test func countsPerDepartmentRollUpTheTreeAndSplitByTargetStartMonth() throws {
        let view = HeadcountProjection.view(state, query: HeadcountQuery(asOf: PF.t("2026-02-15T00:00:00Z")))
        #expect(view.source == .openings)
        // Backend: O1 (new) and O2 (backfill) planned for March, F1 (start Mar-09) committed; O5 filled in February.
        #expect(row(view, "dep-be", "2026-03") == counts(planned: 2, committed: 1, newHeadcount: 1, backfills: 1))
        #expect(row(view, "dep-be", "2026-02") == counts(filled: 1))
        // Engineering holds Backend's roles plus its own O3, which slipped from April to May (30 days).
        #expect(row(view, "dep-eng", "2026-03") == counts(planned: 2, committed: 1, newHeadcount: 1, backfills: 1))
        #expect(row(view, "dep-eng", "2026-02") == counts(filled: 1))
        #expect(row(view, "dep-eng", "2026-05") == counts(planned: 1, slipped: 1, slippedDays: 30, newHeadcount: 1))
        #expect(row(view, "dep-eng", "2026-04") == nil)
        #expect(row(view, "dep-sales", "2026-03") == counts(closedUnfilled: 1))
        // Totals count each role once; the draft O6 is not in the plan.
        #expect(view.totals == counts(planned: 3, committed: 1, filled: 1, slipped: 1, slippedDays: 30, closedUnfilled: 1,
                                      newHeadcount: 2, backfills: 1))
        let backend = try #require(view.rows.first { $0.department?.id == "dep-be" })
        #expect(backend.department?.path == ["Engineering", "Backend"])
    }

    @Test func rowsWithoutRollUpHoldOnlyTheirOwnRolesAndMonthsCanBeBounded() {
        let query = HeadcountQuery(groupBy: [.department, .location], from: YearMonth(iso8601: "2026-03"),
                                   to: YearMonth(iso8601: "2026-03"), rollUpDepartments: false, asOf: PF.t("2026-02-15T00:00:00Z"))
        let view = HeadcountProjection.view(state, query: query)
        #expect(view.rows.map { $0.department?.id } == ["dep-be", "dep-sales"])
        #expect(view.rows.allSatisfy { $0.location?.name == "Berlin" && $0.month?.iso8601 == "2026-03" })
        #expect(view.totals == counts(planned: 2, committed: 1, closedUnfilled: 1, newHeadcount: 1, backfills: 1))
    }

    @Test func backfilledFillIsSeenAsOfItsDateButNotKnownBeforeItsSync() {
        // O1 was filled on Mar-05 but only observed on Mar-20.
        let asOf = HeadcountProjection.view(state, query: HeadcountQuery(asOf: PF.t("2026-03-10T00:00:00Z")))
        #expect(row(asOf, "dep-be", "2026-03") == counts(planned: 1, filled: 1, backfills: 1))
        let knownAt = HeadcountProjection.view(state, query: HeadcountQuery(knownAt: PF.t("2026-03-10T00:00:00Z")))
        #expect(row(knownAt, "dep-be", "2026-03") == counts(planned: 2, newHeadcount: 1, backfills: 1))
        // Before Mar-05 it was open on either axis; F1 (start Mar-09) was still ahead.
        let before = HeadcountProjection.view(state, query: HeadcountQuery(asOf: PF.t("2026-03-01T00:00:00Z")))
        #expect(row(before, "dep-be", "2026-03") == counts(planned: 2, committed: 1, newHeadcount: 1, backfills: 1))
    }

    @Test func knownAtBeforeASlipIsObservedShowsTheOriginalTargetMonth() {
        let view = HeadcountProjection.view(state, query: HeadcountQuery(knownAt: PF.t("2026-02-05T00:00:00Z")))
        #expect(row(view, "dep-eng", "2026-04") == counts(planned: 1, newHeadcount: 1))
        #expect(row(view, "dep-eng", "2026-05") == nil)
        // Before the first sync nothing was known at all.
        let empty = HeadcountProjection.view(state, query: HeadcountQuery(knownAt: PF.t("2026-01-31T00:00:00Z")))
        #expect(empty.rows.isEmpty)
        #expect(empty.source == .jobs)
    }

    @Test func openJobsStandInForThePlanWhenTheAccountHasNoOpenings() {
        var log = ProjectionLog()
        log.sync("2026-03-01T00:00:00.000Z", PF.org + [
            PF.job("job-1", "Backend Engineer", status: "Open", department: "dep-be", location: "loc-ber"),
            PF.job("job-2", "Account Executive", status: "Closed", department: "dep-sales", location: "loc-ber",
                   closedAt: "2026-02-01T00:00:00.000Z"),
            PF.job("job-3", "Frontend Engineer", status: "Closed", department: "dep-eng", location: "loc-rem",
                   closedAt: "2026-02-20T00:00:00.000Z"),
            PF.application("app-3", job: "job-3", department: "dep-eng", stage: PF.hired, status: "Hired",
                           updatedAt: "2026-02-18T00:00:00.000Z"),
            PF.offer("off-3", application: "app-3", acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-04-01",
                     opening: nil, decidedAt: "2026-02-10T00:00:00.000Z"),
        ])
        let state = HeadcountProjection.fold(log.events)
        let view = HeadcountProjection.view(state, query: HeadcountQuery(rollUpDepartments: false, asOf: PF.t("2026-03-15T00:00:00Z")))
        #expect(view.source == .jobs)
        #expect(row(view, "dep-be", nil) == counts(planned: 1, newHeadcount: 1))
        #expect(row(view, "dep-sales", nil) == counts(closedUnfilled: 1))
        #expect(row(view, "dep-eng", "2026-04") == counts(committed: 1, filled: 1))
        #expect(view.json["source"] == "jobs")
    }

    @Test func viewJSONEchoesTheQueryAndListsRows() {
        let view = HeadcountProjection.view(state, query: HeadcountQuery(asOf: PF.t("2026-02-15T00:00:00Z")))
        let json = view.json
        #expect(json["asOf"] == "2026-02-15T00:00:00.000Z")
        #expect(json["knownAt"] == .null)
        #expect(json["rows"]?[0]?["department"]?["name"] == "Engineering")
        #expect(json["rows"]?[0]?["location"] == nil) // not grouped by location
        #expect(json["totals"]?["planned"] == 3)
    }
}
