import AshbyAPI
import HireLedgerCore
import Testing

struct AshbyRawPageTests {
    @Test func aRawPageOfRecordedApplicationsHoldsTheRecordsListPageReturns() async throws {
        let transport = RecordedAshbyTransport()
        try transport.load(recordingAt: Reference.recording("applications.json"))
        let client = makeClient(transport)
        let page = try await client.listPage(.applicationList, parameters: [:])
        let raw = try await client.listRawPage(.applicationList, parameters: [:])
        #expect(raw.count == page.records.count && raw.count == 20)
        #expect(try raw.parsed().records == page.records)
        #expect(raw.items.map(\.key) == page.records.map { $0["id"]?.stringValue })
        #expect(raw.moreDataAvailable == page.moreDataAvailable && raw.nextCursor == page.nextCursor)
        #expect(raw.syncToken == page.syncToken && raw.warnings == page.warnings)
        // Each item's bytes are exactly one record, kept from the body (not re-written).
        for i in 0..<raw.count {
            let bytes = raw.withBytes(ofItem: i) { Array($0) }
            #expect(try JSONValue.parse(bytes) == page.records[i])
            #expect(bytes.first == UInt8(ascii: "{") && bytes.last == UInt8(ascii: "}"))
        }
    }

    @Test func theRawPagerWalksTheSamePagesAsThePager() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", body: ["limit": 100], reply: .json(successList([], more: true, cursor: "c1")))
        transport.on("/candidate.list", body: ["limit": 100, "cursor": "c1"], reply: .json(successList([record(1), record(2)], more: true, cursor: "c2")))
        transport.on("/candidate.list", body: ["limit": 100, "cursor": "c2"], reply: .json(successList([record(3)], more: false, syncToken: "t")))
        var pager = makeClient(transport).pager(.candidateList)
        var records: [JSONValue] = []
        while let page = try await pager.nextRaw() { records += try page.parsed().records }
        #expect(records == [record(1), record(2), record(3)])
        #expect(pager.isFinished && pager.finalSyncToken == "t" && pager.pagesFetched == 3 && pager.recordsFetched == 3)
        #expect(try await pager.nextRaw() == nil)
    }

    /// The error `listPage` and `listRawPage` report for the same reply.
    func errors(for reply: RecordedAshbyTransport.Reply) async -> (page: String?, raw: String?) {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: reply)
        let client = makeClient(transport)
        var page: String?, raw: String?
        do { _ = try await client.listPage(.candidateList) } catch { page = "\(error)" }
        do { _ = try await client.listRawPage(.candidateList) } catch { raw = "\(error)" }
        return (page, raw)
    }

    @Test func aTruncatedBodyIsRetriedAndReportedAsListPageReportsIt() async {
        let body = Array(successList([record(1), record(2)], more: false).canonicalBytes().dropLast(7))
        let (page, raw) = await errors(for: .raw(body, status: 200))
        #expect(page != nil && page == raw)
        #expect(page?.contains("truncated") == true)
    }

    @Test func resultsThatAreNotAnArrayAreReportedAsListPageReportsThem() async {
        let (page, raw) = await errors(for: .json(["success": true, "results": ["id": "x"], "moreDataAvailable": false]))
        #expect(page != nil && page == raw)
        #expect(page?.contains("`results` is missing or not an array") == true)
    }

    @Test func anErrorEnvelopeIsReportedAsListPageReportsIt() async {
        let (page, raw) = await errors(for: .json(errorEnvelope("invalid_input", message: "bad limit"), status: 400))
        #expect(page != nil && page == raw)
    }

    @Test func aRepeatedKeyInsideARecordIsReportedWhenThatRecordIsParsed() async throws {
        let body = Array(#"{"success":true,"results":[{"id":"a"},{"id":"b","x":1,"x":2}],"moreDataAvailable":false}"#.utf8)
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw(body, status: 200))
        let raw = try await makeClient(transport).listRawPage(.candidateList)
        #expect(try raw.record(at: 0) == ["id": "a"])
        let error = #expect(throws: AshbyError.self) { try raw.record(at: 1) }
        #expect(error.map { "\($0)".contains("duplicate object key") } == true)
        #expect(throws: AshbyError.self) { try raw.parsed() }
    }

    @Test func aPageMadeFromRecordsWritesThemCanonically() throws {
        let records: [JSONValue] = [["b": 1, "id": "x"], "not an object", ["id": 3]]
        let page = AshbyRawPage(endpoint: "interviewStage.list", records: records, moreDataAvailable: false)
        #expect(try page.parsed().records == records)
        #expect(page.items.map(\.key) == ["x", nil, nil])
        #expect(page.withBytes(ofItem: 0) { Array($0) } == records[0].canonicalBytes())
    }
}
