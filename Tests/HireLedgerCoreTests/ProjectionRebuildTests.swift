import Testing
@testable import HireLedgerCore

struct ProjectionRebuildTests {
    let events = PF.planLog().events + PipelineProjectionTests.pipelineLog().events.enumerated().map { i, e in
        var e = e
        e.seq = LogPosition(UInt64(PF.planLog().events.count + i + 1))
        e.observedAt = e.observedAt.adding(days: 60) // keep observedAt non-decreasing after the plan log
        return e
    }

    /// Folds all at once, and in two halves with encode/decode in between (as a runner checkpoints).
    func check<P: Projection>(_: P.Type, split: Int) throws {
        let whole = P.encode(P.fold(events))
        var state = P.fold(events[..<split])
        state = try P.decode(P.encode(state))
        P.fold(events[split...], into: &state)
        #expect(P.encode(state) == whole, "\(P.name) split at \(split)")
        #expect(P.encode(try P.decode(whole)) == whole)
    }

    @Test(arguments: [1, 7, 20, 33])
    func foldingInTwoHalvesThroughEncodedStateIsByteIdentical(split: Int) throws {
        try check(HeadcountProjection.self, split: split)
        try check(PipelineProjection.self, split: split)
        try check(PlanChangesProjection.self, split: split)
    }

    @Test func decodedStateEqualsTheFoldedOne() throws {
        let s = HeadcountProjection.fold(events)
        #expect(try HeadcountProjection.decode(HeadcountProjection.encode(s)) == s)
        let p = PipelineProjection.fold(events)
        #expect(try PipelineProjection.decode(PipelineProjection.encode(p)) == p)
    }

    @Test func unreadableStateIsRefusedWithAMessage() {
        #expect(throws: ProjectionStateError.self) { try HeadcountProjection.decode(Array("{\"openings\":1}".utf8)) }
        #expect(throws: ProjectionStateError.self) { try PipelineProjection.decode(Array("not json".utf8)) }
    }
}
