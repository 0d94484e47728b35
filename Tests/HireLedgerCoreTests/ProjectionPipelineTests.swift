import Testing
@testable import HireLedgerCore

struct PipelineProjectionTests {
    /// Three applications to job-1 (opening op-1 opened Jan-01):
    /// A1 Screen Jan-01 → Onsite Jan-11 → Offer Jan-21 → Hired Jan-31 (offer accepted Jan-25, start Mar-09);
    /// A2 Screen Jan-01 → Onsite Jan-05 → Archived Jan-10; A3 Screen Jan-01, still there.
    static func pipelineLog() -> ProjectionLog {
        var log = ProjectionLog()
        func app(_ id: String, _ stage: JSONValue, _ at: String, status: String = "Active") -> (EntityKind, JSONValue) {
            PF.application(id, job: "job-1", department: "dep-be", stage: stage, status: status, updatedAt: at)
        }
        log.sync("2026-01-01T12:00:00.000Z", PF.org + [
            PF.job("job-1", "Backend Engineer", status: "Open", department: "dep-be", location: "loc-ber",
                   openedAt: "2026-01-01T00:00:00.000Z"),
            PF.opening("op-1", "ENG-1", state: "Open", department: "dep-be", location: "loc-ber", targetStart: "2026-03-02",
                       openedAt: "2026-01-01T00:00:00.000Z"),
            app("app-1", PF.screen, "2026-01-01T00:00:00.000Z"), app("app-2", PF.screen, "2026-01-01T00:00:00.000Z"),
            app("app-3", PF.screen, "2026-01-01T00:00:00.000Z"),
        ])
        log.sync("2026-01-06T12:00:00.000Z", [app("app-2", PF.onsite, "2026-01-05T00:00:00.000Z")])
        log.sync("2026-01-11T12:00:00.000Z", [app("app-1", PF.onsite, "2026-01-11T00:00:00.000Z"),
                                              app("app-2", PF.archived, "2026-01-10T00:00:00.000Z", status: "Archived")])
        let offer = { (acceptance: String, status: String, decided: String?) in
            PF.offer("off-1", application: "app-1", acceptance: acceptance, status: status, startDate: "2026-03-09",
                     opening: "op-1", decidedAt: decided, versionCreatedAt: "2026-01-21T00:00:00.000Z")
        }
        log.sync("2026-01-21T12:00:00.000Z", [app("app-1", PF.offerStage, "2026-01-21T00:00:00.000Z"),
                                              offer("WaitingOnResponse", "WaitingOnCandidateResponse", nil)])
        log.sync("2026-01-26T12:00:00.000Z", [offer("Accepted", "CandidateAccepted", "2026-01-25T00:00:00.000Z")])
        log.sync("2026-02-01T12:00:00.000Z", [app("app-1", PF.hired, "2026-01-31T00:00:00.000Z", status: "Hired")])
        return log
    }

    let state = PipelineProjection.fold(Self.pipelineLog().events)

    func stage(_ view: PipelineView, _ id: String) -> StageStats? { view.rows.first?.stages.first { $0.stageId == id } }

    @Test func countsConversionAndTimeInStageOnAKnownExample() throws {
        let view = PipelineProjection.view(state, query: PipelineQuery(asOf: PF.t("2026-02-15T00:00:00Z")))
        #expect(view.rows.count == 1)
        let row = try #require(view.rows.first)
        #expect(row.job == JobRef(id: "job-1", title: "Engineer"))
        #expect(row.department?.name == "Backend")
        #expect(row.applications == 3)
        #expect(row.stages.map(\.stageId) == ["st-screen", "st-onsite", "st-offer", "st-hired", "st-archived"])
        #expect(row.stages.map(\.current) == [1, 0, 0, 1, 1])
        #expect(row.stages.map(\.entered) == [3, 2, 1, 1, 1])
        #expect(stage(view, "st-screen")?.medianDaysInStage == 7)
        #expect(stage(view, "st-screen")?.meanDaysInStage == 7)
        #expect(stage(view, "st-onsite")?.medianDaysInStage == 7.5)
        #expect(stage(view, "st-offer")?.meanDaysInStage == 10)
        #expect(stage(view, "st-hired")?.completedStays == 0)
        #expect(row.funnel.map(\.reached) == [3, 3, 2, 1, 1])
        #expect(row.funnel.map(\.conversion) == [nil, 1, 2.0 / 3.0, 0.5, 1])
        #expect(view.timeToFill == TimeToFill(source: .openings, accepted: 1, medianDaysToAccept: 24, meanDaysToAccept: 24,
                                              withStartDate: 1, medianDaysToStart: 67, meanDaysToStart: 67))
        let months = row.entriesByMonth.map { "\($0.month) \($0.type) \($0.entered)" }
        #expect(months == ["2026-01 PreInterviewScreen 3", "2026-01 Active 2", "2026-01 Offer 1", "2026-01 Hired 1", "2026-01 Archived 1"])
    }

    @Test func stagesAreReadAtThePointOnEitherAxis() {
        let asOf = PipelineProjection.view(state, query: PipelineQuery(asOf: PF.t("2026-01-15T00:00:00Z")))
        #expect(asOf.rows.first?.stages.map(\.stageId) == ["st-screen", "st-onsite", "st-archived"])
        #expect(asOf.rows.first?.stages.map(\.current) == [1, 1, 1]) // A3, A1, A2
        #expect(asOf.timeToFill.accepted == 0)
        // On Jan-08 we knew of A2's move to Onsite but not yet of its archiving (observed Jan-11).
        let knownAt = PipelineProjection.view(state, query: PipelineQuery(knownAt: PF.t("2026-01-08T00:00:00Z")))
        #expect(knownAt.rows.first?.stages.map(\.stageId) == ["st-screen", "st-onsite"])
        #expect(knownAt.rows.first?.stages.map(\.current) == [2, 1])
    }

    @Test func groupingByDepartmentNamesTheDepartment() {
        let view = PipelineProjection.view(state, query: PipelineQuery(groupBy: .department))
        #expect(view.rows.map { $0.department?.id } == ["dep-be"])
        #expect(view.rows.first?.job == nil)
        #expect(view.json["rows"]?[0]?["funnel"]?[2]?["conversion"] == .number(JSONNumber(0.6667)!))
    }
}

/// The per-month counts of a pipeline view come out the same from the dense counters and from the
/// dictionary that replaces them when a state spans too many months and groups.
struct PipelineTallyTests {
    @Test func sparseMonthCountsEqualDenseOnes() {
        let state = PipelineProjection.fold(PipelineProjectionTests.pipelineLog().events)
        for (asOf, from) in [("2026-01-15T00:00:00Z", nil), ("2026-02-15T00:00:00Z", YearMonth(year: 2026, month: 1)), ("2026-02-15T00:00:00Z", nil)] {
            for grouping in PipelineQuery.Grouping.allCases {
                let q = PipelineQuery(groupBy: grouping, from: from, asOf: PF.t(asOf))
                let point = BitemporalPoint.resolve(asOf: q.asOf, knownAt: q.knownAt, head: state.head)
                let dense = PipelineTally(state, point: point, query: q)
                let sparse = PipelineTally(state, point: point, query: q, denseMonthLimit: 0)
                #expect(!dense.usedKeys.isEmpty)
                for key in dense.usedKeys {
                    #expect(!dense.months(key).isEmpty)
                    #expect(dense.months(key) == sparse.months(key))
                }
            }
        }
    }
}
