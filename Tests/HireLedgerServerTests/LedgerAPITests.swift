import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import Testing

@Suite(.serialized) struct LedgerAPITests {
    @Test func onlyTheRightBearerTokenGetsIn() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let app = Application(router: try makeAPI(ledger).router())
        try await app.test(.router) { client in
            let none = try await client.execute(uri: "/v1/events?limit=1", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let wrong = try await client.execute(uri: "/v1/events?limit=1", method: .get,
                                                 headers: [.authorization: "Bearer test-token-0123456789abcdeX"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            let basic = try await client.execute(uri: "/v1/events?limit=1", method: .get, headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(basic.status == .unauthorized)
            let right = try await client.execute(uri: "/v1/events?limit=1", method: .get, headers: bearer)
            #expect(right.status == .ok)
            // Health and metrics are open.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: metrics.body)
            #expect(text.contains("hireledger_http_requests_total{route=\"/v1/events\",method=\"GET\",status=\"401\"} 3"))
            #expect(text.contains("hireledger_last_seq \(try ledger.store.lastPosition.value)"))
        }
    }

    @Test func pagesWithFiltersReturnEveryMatchingEventExactlyOnce() async throws {
        let ledger = try await SyncedLedger.make(days: 2)
        defer { Task { await ledger.shutdown() } }
        let store = ledger.store
        let app = Application(router: try makeAPI(ledger).router())
        let someApplication = try #require(try store.events(limit: 10_000, types: EventTypeFilter(["application.*"])).last?.subject)
        let cases: [(query: String, expected: [UInt64])] = [
            ("", try store.events().map(\.seq.value)),
            ("&types=application.*,record.offer.*",
             try store.events(types: EventTypeFilter(["application.*", "record.offer.*"])).map(\.seq.value)),
            ("&entity=\(someApplication.wireForm)", try store.events(for: someApplication).map(\.seq.value)),
            ("&types=record.*&entity=\(someApplication.wireForm)",
             try store.events(types: EventTypeFilter(["record.*"]), entity: someApplication).map(\.seq.value)),
        ]
        try await app.test(.router) { client in
            for (query, expected) in cases {
                #expect(expected.count > 0, "\(query)")
                var seen: [UInt64] = []
                var after: UInt64 = 0
                var pages = 0
                while true {
                    let r = try await client.execute(uri: "/v1/events?limit=37&after=\(after)\(query)", method: .get, headers: bearer)
                    #expect(r.status == .ok)
                    let body = try parseBody(r)
                    let events = try #require(body["events"]?.arrayValue)
                    seen += events.compactMap { $0["seq"]?.numberValue?.text }.compactMap { UInt64($0) }
                    pages += 1
                    guard let next = body["next"]?.numberValue?.text else { break }
                    after = try #require(UInt64(next))
                }
                #expect(seen == expected, "query \(query): \(seen.count) seen, \(expected.count) expected")
                #expect(Set(seen).count == seen.count)
                #expect(pages == expected.count / 37 + 1)
            }
        }
    }

    @Test func badParametersAre400ProblemsNamingTheParameter() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let app = Application(router: try makeAPI(ledger).router())
        let cases: [(String, String)] = [
            ("/v1/events?after=abc", "after"), ("/v1/events?limit=0", "limit"), ("/v1/events?limit=10001", "limit"),
            ("/v1/events?entity=nokind", "entity"), ("/v1/events?types=", "types"), ("/v1/events?afterr=3", "afterr"),
            ("/v1/headcount?as_of=yesterday", "as_of"), ("/v1/headcount?by=team", "by"), ("/v1/headcount?from=2026-13", "from"),
            ("/v1/pipeline?known_at=x", "known_at"), ("/v1/changes", "since"), ("/v1/changes?since=2026-01-01&axis=valid", "axis"),
            ("/v1/state/widget/1", "kind"), ("/v1/events/stream?after=-1", "after"),
        ]
        try await app.test(.router) { client in
            for (uri, parameter) in cases {
                let r = try await client.execute(uri: uri, method: .get, headers: bearer)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(r.headers[.contentType] == "application/problem+json")
                let body = try parseBody(r)
                #expect(body["parameter"]?.stringValue == parameter, "\(uri): \(body)")
                #expect(body["status"]?.numberValue?.text == "400")
            }
            var withHeader = bearer
            withHeader[.init("Last-Event-ID")!] = "seven"
            let r = try await client.execute(uri: "/v1/events/stream", method: .get, headers: withHeader)
            #expect(try parseBody(r)["parameter"]?.stringValue == "Last-Event-ID")
        }
    }

    @Test func viewsOnBothAxesAnswerWhatTheCLIFoldsAnswer() async throws {
        let ledger = try await SyncedLedger.make(days: 4)
        defer { Task { await ledger.shutdown() } }
        let store = ledger.store
        let api = try makeAPI(ledger)
        let app = Application(router: api.router())
        // Views answer from the states the projection service published: wait for it to cover the log.
        try await api.views.waitUntilCurrent()
        // The CLI's fold (Views.fold in the hireledger executable) is these three folds over the whole log.
        let events = try store.events()
        let headcount = HeadcountProjection.fold(events), pipeline = PipelineProjection.fold(events)
        let changes = PlanChangesProjection.fold(events)
        let first = try #require(events.first?.observedAt), last = try #require(events.last?.observedAt)
        let middle = Timestamp(millisecondsSinceEpoch: (first.millisecondsSinceEpoch + last.millisecondsSinceEpoch) / 2)
        let points: [(String, Timestamp?, Timestamp?)] = [("", nil, nil), ("as_of=\(middle.iso8601)", middle, nil),
                                                          ("known_at=\(middle.iso8601)", nil, middle),
                                                          ("as_of=\(first.iso8601)&known_at=\(middle.iso8601)", first, middle)]
        try await app.test(.router) { client in
            for (params, asOf, knownAt) in points {
                let h = try parseBody(try await client.execute(uri: "/v1/headcount?by=department,location&interval=none&\(params)", method: .get, headers: bearer))
                #expect(h == HeadcountProjection.view(headcount, query: HeadcountQuery(groupBy: [.department, .location], interval: .none,
                                                                                       asOf: asOf, knownAt: knownAt)).json, "\(params)")
                let p = try parseBody(try await client.execute(uri: "/v1/pipeline?by=job&\(params)", method: .get, headers: bearer))
                #expect(p == PipelineProjection.view(pipeline, query: PipelineQuery(groupBy: .job, asOf: asOf, knownAt: knownAt)).json, "\(params)")
            }
            let since = first.adding(days: -400)
            for axis in PlanChangesQuery.Axis.allCases {
                for knownAt in [nil, middle] {
                    let uri = "/v1/changes?since=\(since.iso8601)&axis=\(axis.rawValue)" + (knownAt.map { "&known_at=\($0.iso8601)" } ?? "")
                    let c = try parseBody(try await client.execute(uri: uri, method: .get, headers: bearer))
                    let expected = PlanChangesProjection.changes(changes, query: PlanChangesQuery(axis: axis, since: since, knownAt: knownAt))
                    #expect(c == expected.json, "\(uri)")
                }
            }
            // Events appended after the first query are folded in by the service (told here by the
            // views' own reads: `.router` tests run no log watcher) and answered once published.
            try await ledger.syncNextDay()
            try await api.views.waitUntilCurrent()
            let all = try store.events()
            let h = try parseBody(try await client.execute(uri: "/v1/headcount", method: .get, headers: bearer))
            #expect(h == HeadcountProjection.view(HeadcountProjection.fold(all), query: HeadcountQuery()).json)
        }
    }

    @Test func stateFoldsOneRecordOnBothAxes() async throws {
        let ledger = try await SyncedLedger.make(days: 6)
        defer { Task { await ledger.shutdown() } }
        let store = ledger.store
        let app = Application(router: try makeAPI(ledger).router())
        // An application updated after it was created.
        let updated = try #require(try store.events(types: EventTypeFilter(["record.application.updated"])).first)
        let key = updated.subject
        let history = try store.events(for: key).filter { if case .record = $0.type { true } else { false } }
        let created = try #require(history.first)
        try await app.test(.router) { client in
            let now = try parseBody(try await client.execute(uri: "/v1/state/\(key.wireForm)", method: .get, headers: bearer))
            #expect(now["record"] == (try store.currentRecord(key)) ?? .null)
            #expect(now["status"] == "live")
            #expect(now["history"]?.arrayValue?.count == (try store.events(for: key)).count)
            #expect(now["version"]?["seq"]?.numberValue?.text == String(history.last!.seq.value))
            let early = try parseBody(try await client.execute(uri: "/v1/state/\(key.wireForm)?known_at=\(created.observedAt.iso8601)",
                                                               method: .get, headers: bearer))
            #expect(early["record"] == created.data["record"])
            #expect(early["version"]?["seq"]?.numberValue?.text == String(created.seq.value))
            #expect(early["history"]?.arrayValue?.allSatisfy { $0["observedAt"]!.stringValue! <= created.observedAt.iso8601 } == true)
            let before = try parseBody(try await client.execute(uri: "/v1/state/\(key.wireForm)?as_of=\(created.occurredAt.adding(days: -1).iso8601)",
                                                                method: .get, headers: bearer))
            #expect(before["status"] == "not_yet")
            #expect(before["record"] == .null)
            #expect(before["version"] == .null)
            let missing = try await client.execute(uri: "/v1/state/application/no-such-id", method: .get, headers: bearer)
            #expect(missing.status == .notFound)
        }
    }

    @Test func theStreamSendsTheLogAsServerSentEventsAndEndsWhenTheServerCloses() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        api.watcher.close()   // so the in-process stream ends once it has sent the log
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/v1/events/stream?after=5", method: .get, headers: bearer)
            #expect(r.headers[.contentType] == "text/event-stream")
            let text = String(buffer: r.body)
            let ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { UInt64($0.dropFirst(4))! }
            #expect(ids == Array(6...(try ledger.store.lastPosition.value)))
            let firstData = try #require(text.split(separator: "\n").first { $0.hasPrefix("data: ") })
            let event = try RecordedEvent(cloudEvent: try JSONValue.parse(Array(firstData.dropFirst(6).utf8)))
            #expect(event == (try ledger.store.event(at: LogPosition(6))))
        }
    }
}
