import AshbyAPI
import HireLedgerCore
import Testing

struct AshbyPagerTests {
    /// applications.json holds two real pages: 20 records with a cursor, then a page Nango emptied
    /// while leaving `moreDataAvailable: true` and a second cursor. Per the reference README a
    /// synthesized third page ends the walk.
    @Test func cursorWalkOverRecordedApplicationsFollowsEveryCursorUntilMoreDataIsFalse() async throws {
        let recording = try Reference.load("applications.json")
        let pages = try #require(recording["post"]?["/application.list"]?.arrayValue)
        let firstCursor = try #require(pages[0]["response"]?["nextCursor"]?.stringValue)
        let secondCursor = try #require(pages[1]["response"]?["nextCursor"]?.stringValue)
        #expect(pages[1]["response"]?["results"]?.arrayValue?.isEmpty == true)

        let transport = RecordedAshbyTransport()
        try transport.load(recordingAt: Reference.recording("applications.json"))
        transport.on("/application.list", body: ["limit": 100, "cursor": .string(secondCursor)],
                     reply: .json(successList([record(901), record(902)], more: false, syncToken: "synthTok1")))

        let progress = CallbackLog<AshbyListProgress>()
        var pager = makeClient(transport).pager(.applicationList, parameters: [:],
                                                progress: { progress.append($0) })
        var counts: [Int] = []
        while let page = try await pager.next() { counts.append(page.records.count) }

        #expect(counts == [20, 0, 2])
        #expect(pager.isFinished && pager.finalSyncToken == "synthTok1")
        #expect(pager.recordsFetched == 22 && pager.pagesFetched == 3)
        let sent = transport.requests(to: "/application.list").map(\.body)
        #expect(sent == [["limit": 100], ["limit": 100, "cursor": .string(firstCursor)],
                         ["limit": 100, "cursor": .string(secondCursor)]])
        #expect(progress.all.map(\.records) == [20, 20, 22])
        #expect(progress.all.map(\.isFinished) == [false, false, true])
        #expect(try await pager.next() == nil)
    }

    @Test func emptyPagesWithMoreDataAreFollowed() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", body: ["limit": 100], reply: .json(successList([], more: true, cursor: "c1")))
        transport.on("/candidate.list", body: ["limit": 100, "cursor": "c1"], reply: .json(successList([], more: true, cursor: "c2")))
        transport.on("/candidate.list", body: ["limit": 100, "cursor": "c2"], reply: .json(successList([record(1)], more: true, cursor: "c3")))
        transport.on("/candidate.list", body: ["limit": 100, "cursor": "c3"], reply: .json(successList([], more: false, syncToken: "t")))
        let listing = try await makeClient(transport).listAll(.candidateList)
        #expect(listing.records == [record(1)])
        #expect(listing.pages == 4 && listing.syncToken == "t")
    }

    @Test func incrementalPassSendsTheTokenOnEveryPageWithTheCursor() async throws {
        let transport = RecordedAshbyTransport()
        // The recorded full pass of departments yields the token; the next pass sends it back.
        try transport.load(recordingAt: Reference.recording("departments.json"))
        let base: JSONObject = ["limit": 100, "includeArchived": true]
        var first = base; first["syncToken"] = "99vGA7xrP"
        var second = first; second["cursor"] = "inc-1"
        transport.on("/department.list", body: .object(first), reply: .json(successList([record(5)], more: true, cursor: "inc-1")))
        transport.on("/department.list", body: .object(second), reply: .json(successList([record(6)], more: false, syncToken: "nextTok")))

        let client = makeClient(transport)
        let full = try await client.listAll(.departmentList)
        let incremental = try await client.listAll(.departmentList, syncToken: full.syncToken)
        #expect(incremental.records == [record(5), record(6)])
        #expect(incremental.syncToken == "nextTok")
        #expect(transport.requests(to: "/department.list").map(\.body) == [.object(base), .object(first), .object(second)])
    }

    @Test func syncTokenListsFromRecordingsEndInOnePage() async throws {
        let transport = RecordedAshbyTransport()
        try transport.load(recordingAt: Reference.recording("list-jobs.json"))
        // list-jobs.json was recorded with an empty body; send exactly that.
        let listing = try await makeClient(transport).listAll(.jobList, parameters: [:], pageSize: nil)
        #expect(listing.records.count == 20 && listing.syncToken == "NOoXKnWgp")
    }

    @Test func aCursorSeenBeforeIsRefused() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/offer.list", body: ["limit": 100], reply: .json(successList([record(1)], more: true, cursor: "A")))
        transport.on("/offer.list", body: ["limit": 100, "cursor": "A"], reply: .json(successList([record(2)], more: true, cursor: "B")))
        transport.on("/offer.list", body: ["limit": 100, "cursor": "B"], reply: .json(successList([record(3)], more: true, cursor: "A")))
        var pager = makeClient(transport).pager(.offerList)
        _ = try await pager.next()
        _ = try await pager.next()
        await #expect {
            _ = try await pager.next()
        } throws: { error in
            guard case AshbyError.cursorLoop(endpoint: "offer.list", page: 3) = error else { return false }
            return "\(error)".contains("already used")
        }
        #expect(transport.requests(to: "/offer.list").count == 3)
    }

    @Test func moreDataWithoutACursorIsAnError() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/offer.list", reply: .json(successList([record(1)], more: true)))
        await #expect {
            _ = try await makeClient(transport).listAll(.offerList)
        } throws: { error in
            guard case AshbyError.missingNextCursor(endpoint: "offer.list", page: 1) = error else { return false }
            return true
        }
    }

    @Test func resumingFromACheckpointedCursorContinuesThere() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", body: ["limit": 100, "cursor": "saved"],
                     reply: .json(successList([record(7)], more: false, syncToken: "tok")))
        var pager = makeClient(transport).pager(.candidateList, resumeCursor: "saved")
        #expect(pager.nextCursor == "saved")
        let page = try await pager.next()
        #expect(page?.records == [record(7)])
        #expect(pager.finalSyncToken == "tok")
    }

    @Test func aFailedPageLeavesThePagerWhereItWas() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", body: ["limit": 100], reply: .json(successList([record(1)], more: true, cursor: "c1")))
        transport.on("/candidate.list", body: ["limit": 100, "cursor": "c1"],
                     replies: [.json(errorEnvelope("invalid_input")), .json(successList([record(2)], more: false))])
        var pager = makeClient(transport).pager(.candidateList)
        _ = try await pager.next()
        await #expect(throws: AshbyError.self) { _ = try await pager.next() }
        #expect(pager.nextCursor == "c1" && pager.pagesFetched == 1)
        let page = try await pager.next()
        #expect(page?.records == [record(2)] && pager.isFinished)
    }

    @Test func applicationHistoryCollectsEveryPage() async throws {
        let transport = RecordedAshbyTransport()
        let entry0: JSONValue = ["id": "h0", "stageId": "s0", "title": "Application Review", "stageNumber": 0,
                                 "enteredStageAt": "2024-02-04T21:38:12.466Z", "leftStageAt": "2024-02-05T09:25:35.086Z",
                                 "allowedActions": ["set_entered_at"], "actorId": .null]
        let entry1: JSONValue = ["id": "h1", "stageId": "s1", "title": "Archived", "stageNumber": 1,
                                 "enteredStageAt": "2024-02-05T09:25:35.089Z", "allowedActions": [], "actorId": .null]
        transport.on("/application.listHistory", body: ["applicationId": "app-1", "limit": 100],
                     reply: .json(successList([entry0], more: true, cursor: "h-c1")))
        transport.on("/application.listHistory", body: ["applicationId": "app-1", "limit": 100, "cursor": "h-c1"],
                     reply: .json(successList([entry1], more: false)))
        let history = try await makeClient(transport).applicationHistory(applicationId: "app-1")
        #expect(history == [entry0, entry1])
    }

    @Test func requestsCarryBasicAuthJSONContentTypeAndTheAPIVersion() async throws {
        let transport = RecordedAshbyTransport(acceptedKeys: [testKeyText])
        try transport.load(recordingAt: Reference.recording("get-source.json"))
        _ = try await makeClient(transport).listAll(.sourceList)
        let request = try #require(transport.requests.first)
        #expect(request.header("Authorization") == "Basic aGxrX1NFQ1JFVF8xZjJlM2Q0YzViNmE3OTg4MDAxMTo=")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Ashby-Version") == "2026-01-01")
        #expect(request.path == "/source.list")
    }

    @Test func infoCallsSendTheIdUnderTheEndpointsParameterName() async throws {
        let transport = RecordedAshbyTransport()
        try transport.load(recordingAt: Reference.recording("get-department.json"))
        let department = try await makeClient(transport).info(.departmentInfo, id: "00000000-0000-4000-8000-000000000001")
        #expect(department["name"] == "Test User 1")
        #expect(department["parentId"] == .null)
    }
}
