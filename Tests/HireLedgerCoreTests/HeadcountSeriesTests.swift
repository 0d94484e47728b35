import Testing
@testable import HireLedgerCore

/// Headcount history: each point is the plain view at the end of its period, on its axis.
struct HeadcountSeriesTests {
    let state = HeadcountProjection.fold(PF.planLog().events)

    func day(_ s: String) -> CivilDate { CivilDate(iso8601: s)! }

    @Test func eachPointIsTheViewAtTheLastInstantOfItsPeriod() throws {
        for axis in HeadcountSeriesQuery.Axis.allCases {
            let series = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(
                period: .month, axis: axis, from: day("2026-01-01"), to: day("2026-06-30"), groupBy: [.department]))
            #expect(series.points.map(\.period) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"])
            for p in series.points {
                let end = p.end.adding(days: 1).startOfDay.adding(milliseconds: -1)
                let query = axis == .asOf ? HeadcountQuery(groupBy: [.department], interval: .none, asOf: end)
                                          : HeadcountQuery(groupBy: [.department], interval: .none, knownAt: end)
                let view = HeadcountProjection.view(state, query: query)
                #expect(p.totals == view.totals, "\(axis) \(p.period)")
                #expect(p.rows == view.rows)
                #expect(p.point == view.point)
            }
        }
    }

    /// A series gathers the records that can count once (`HeadcountCandidates`) and walks only those at
    /// each point; a view walks everything. Without openings (jobs mode), with accepted offers whose start
    /// slips, a declined offer and applications that are never hired, every point must still equal its view.
    @Test func withoutOpeningsEachPointStillEqualsItsViewOnBothAxes() throws {
        var log = ProjectionLog()
        log.sync("2026-01-10T00:00:00.000Z", PF.org + [
            PF.job("job-1", "Backend Engineer", status: "Open", department: "dep-be", location: "loc-ber"),
            PF.job("job-2", "Account Executive", status: "Open", department: "dep-sales", location: "loc-ber"),
            PF.job("job-3", "Designer", status: "Closed", department: "dep-eng", location: "loc-rem", closedAt: "2026-01-08T00:00:00.000Z"),
            PF.application("app-1", job: "job-1", department: "dep-be", stage: PF.offerStage, updatedAt: "2026-01-09T00:00:00.000Z"),
            PF.application("app-2", job: "job-2", department: "dep-sales", stage: PF.offerStage, updatedAt: "2026-01-09T00:00:00.000Z"),
            PF.application("app-3", job: "job-2", department: "dep-sales", stage: PF.offerStage, updatedAt: "2026-01-09T00:00:00.000Z"),
            PF.offer("off-1", application: "app-1", acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-03-02",
                     opening: nil, decidedAt: "2026-01-09T00:00:00.000Z"),
            PF.offer("off-3", application: "app-3", acceptance: "Declined", status: "CandidateRejected", startDate: "2026-03-02",
                     opening: nil, decidedAt: "2026-01-09T00:00:00.000Z"),
        ])
        log.sync("2026-02-12T00:00:00.000Z", [
            PF.offer("off-1", application: "app-1", acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-04-06",
                     opening: nil, decidedAt: "2026-01-09T00:00:00.000Z", versionId: "ov2", versionCreatedAt: "2026-02-11T00:00:00.000Z"),
            PF.offer("off-2", application: "app-2", acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-05-04",
                     opening: nil, decidedAt: "2026-02-11T00:00:00.000Z"),
        ])
        log.sync("2026-04-08T00:00:00.000Z", [
            PF.application("app-1", job: "job-1", department: "dep-be", stage: PF.hired, status: "Hired", updatedAt: "2026-04-06T00:00:00.000Z"),
            PF.job("job-1", "Backend Engineer", status: "Closed", department: "dep-be", location: "loc-ber",
                   closedAt: "2026-04-06T00:00:00.000Z", updatedAt: "2026-04-06T00:00:00.000Z"),
        ])
        let jobsOnly = HeadcountProjection.fold(log.events)
        for axis in HeadcountSeriesQuery.Axis.allCases {
            for by in [[], [HeadcountQuery.Dimension.department, .location]] {
                let series = try HeadcountProjection.series(jobsOnly, query: HeadcountSeriesQuery(
                    period: .week, axis: axis, from: day("2025-12-29"), to: day("2026-05-31"), groupBy: by))
                #expect(series.source == .jobs)
                #expect(series.points.count > 20)
                #expect(series.points.contains { $0.totals.committed > 0 } && series.points.contains { $0.totals.slipped > 0 }
                        && series.points.contains { $0.totals.filled > 0 }, "the fixture exercises every count")
                for p in series.points {
                    let end = p.end.adding(days: 1).startOfDay.adding(milliseconds: -1)
                    let query = axis == .asOf ? HeadcountQuery(groupBy: by, interval: .none, asOf: end)
                                              : HeadcountQuery(groupBy: by, interval: .none, knownAt: end)
                    let view = HeadcountProjection.view(jobsOnly, query: query)
                    #expect(p.totals == view.totals, "\(axis) \(by) \(p.period)")
                    #expect(p.rows == (by.isEmpty ? [] : view.rows), "\(axis) \(by) \(p.period)")
                }
            }
        }
    }

    @Test func aBoundOnTheWalkingAxisEndsTheSeriesThere() throws {
        let asOf = PF.t("2026-02-15T00:00:00Z")
        let series = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(asOf: asOf))
        #expect(series.points.count == HeadcountSeriesQuery.defaultPoints)
        #expect(series.points.last?.period == "2026-02")
        #expect(series.points.last?.point.validAt == asOf)
        #expect(series.points.last?.totals == HeadcountProjection.view(state, query: HeadcountQuery(interval: .none, asOf: asOf)).totals)
        // The fixed axis stays fixed: as of each month end, as known at one instant.
        let knownAt = PF.t("2026-02-01T00:00:00Z")
        let known = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(from: day("2026-01-01"), to: day("2026-03-31"), knownAt: knownAt))
        #expect(known.points.allSatisfy { $0.point.knownAt == knownAt })
    }

    @Test func weeksAreISOWeeksAndQuartersStartInJanuaryAprilJulyOctober() throws {
        let q = HeadcountSeriesQuery(period: .week)
        #expect(q.periodStart(day("2026-01-01")) == day("2025-12-29"))
        #expect(q.label(day("2025-12-29")) == "2026-W01")
        #expect(q.label(day("2026-12-28")) == "2026-W53")
        #expect(q.label(day("2027-01-04")) == "2027-W01")
        let weeks = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(period: .week, from: day("2026-03-02"), to: day("2026-03-29")))
        #expect(weeks.points.map(\.period) == ["2026-W10", "2026-W11", "2026-W12", "2026-W13"])
        #expect(weeks.points.first?.end == day("2026-03-08"))
        let quarters = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(period: .quarter, from: day("2026-02-10"), to: day("2026-08-01")))
        #expect(quarters.points.map(\.period) == ["2026-Q1", "2026-Q2", "2026-Q3"])
        #expect(quarters.points.map(\.end) == [day("2026-03-31"), day("2026-06-30"), day("2026-09-30")])
    }

    @Test func aWindowBackwardsOrTooLongIsRefusedWithTheParameter() {
        #expect(throws: HeadcountSeriesError.self) {
            try HeadcountProjection.series(state, query: HeadcountSeriesQuery(from: day("2026-05-01"), to: day("2026-01-31")))
        }
        do {
            _ = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(from: day("2000-01-01"), to: day("2026-01-31")))
            Issue.record("a 313-month window was accepted")
        } catch {
            #expect(error.parameter == "from" && error.description.contains("120 months"))
        }
    }

    @Test func csvHasOneTotalLinePerPointAndOneLinePerRow() throws {
        let series = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(from: day("2026-01-01"), to: day("2026-03-31"), groupBy: [.department]))
        let csv = series.csv
        #expect(csv.rows.count == series.points.reduce(0) { $0 + 1 + $1.rows.count })
        #expect(csv.text.hasPrefix("period,start,end,as_of,known_at,projected,group,"))
        #expect(csv.text.hasSuffix("\r\n"))
        #expect(CSVTable.line(["a,b", "say \"hi\"", "x\ny"]) == "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\r\n")
        #expect(CSVTable.days(2.5) == "2.5" && CSVTable.days(3) == "3" && CSVTable.days(1.05) == "1.05" && CSVTable.days(nil) == "")
    }
}
