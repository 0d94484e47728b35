import Testing
@testable import HireLedgerCore

/// The projections' direct state encoders (`StateWriter`) must write exactly the canonical bytes of
/// the `json` trees they replace: stored states and rebuilt-versus-kept comparisons depend on it.
struct StateWriterTests {
    @Test func headcountEncodeIsTheCanonicalFormOfItsJSON() {
        var state = HeadcountProjection.fold(PF.planLog().events)
        #expect(HeadcountProjection.encode(state) == state.json.canonicalBytes())
        // Odd values: escapes, non-ASCII keys sorted by bytes, negative times, a tombstone, nil members.
        let at = Timestamp(millisecondsSinceEpoch: -1_234)
        for (n, id) in ["a\"b\\c\u{1}", "é", "e\u{301}", "Z", "ä-2", ""].enumerated() {
            let record: JSONValue = ["id": .string(id), "status": n % 2 == 0 ? "Hired" : "Active",
                                     "job": n % 3 == 0 ? .null : ["id": .string("job-\(id)\n")]]
            state.apply(RecordedEvent(seq: LogPosition(UInt64(100 + n)), storeId: "t", type: .record(.application, .created),
                                      subject: EntityKey(.application, id), observedAt: at, occurredAt: at,
                                      occurredAtInferred: false, backfilled: false, data: ["record": record], causation: nil))
        }
        state.apply(RecordedEvent(seq: LogPosition(200), storeId: "t", type: .record(.application, .deleted),
                                  subject: EntityKey(.application, "Z"), observedAt: at, occurredAt: at,
                                  occurredAtInferred: false, backfilled: false, data: .null, causation: nil))
        #expect(HeadcountProjection.encode(state) == state.json.canonicalBytes())
        #expect(HeadcountProjection.encode(PlanEntities()) == PlanEntities().json.canonicalBytes())
    }

    @Test func pipelineBinaryFormRoundTripsOddStringsAndAbsentValues() throws {
        var state = PipelineProjection.fold(PipelineProjectionTests.pipelineLog().events)
        let stage = state.internStage("é\"x", PipelineState.Stage(title: nil, type: "T\t", order: -3))
        _ = state.internStage("e\u{301}", PipelineState.Stage(title: "t", type: nil, order: nil))
        state.jobs["j\u{7f}"] = PipelineState.Job(title: nil, departmentId: nil)
        let slot = state.slot("a-€", jobKey: "", departmentKey: "d\u{0}")
        state.append(stage, valid: Timestamp(millisecondsSinceEpoch: -5), known: Timestamp(millisecondsSinceEpoch: .max), to: slot)
        state.openingFills["f-1"] = PipelineState.Fill(departmentId: nil, jobId: "j", opened: nil,
                                                      accepted: PipelineState.Instant(valid: Timestamp(millisecondsSinceEpoch: -5),
                                                                                      known: Timestamp(millisecondsSinceEpoch: 0)),
                                                      startDay: -2)
        state.jobFills["f-2"] = PipelineState.Fill()
        let bytes = PipelineProjection.encode(state)
        let decoded = try PipelineProjection.decode(bytes)
        #expect(PipelineProjection.encode(decoded) == bytes)
        #expect(decoded.stageIds == state.stageIds && decoded.stages == state.stages && decoded.keys == state.keys)
        #expect(decoded.jobs == state.jobs && decoded.openingFills == state.openingFills && decoded.jobFills == state.jobFills)
        #expect(decoded.entries(ofApplication: "a-€") == state.entries(ofApplication: "a-€"))
        #expect(decoded.applicationOrder == state.applicationOrder)
        #expect(try PipelineProjection.decode(PipelineProjection.encode(PipelineState())) == PipelineState())
    }
}

/// `RecordedEvent.eventType(wireBytes:)` must answer exactly as `EventType(wireName:)`.
struct EventTypeWireBytesTests {
    @Test func wireBytesLookupAgreesWithTheWireNameParser() {
        let names = EventType.allCases.map(\.wireName) + ["", "record.", "record.job", "record.job.created.x", "record.nope.created",
                                                          "application.stage_changedX", "Record.job.created", "é"]
        for name in names {
            let bytes = Array(name.utf8)
            let fast = bytes.withUnsafeBytes { RecordedEvent.eventType(wireBytes: $0) }
            #expect(fast == EventType(wireName: name), "\(name)")
        }
    }
}
