import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import Testing

/// `/v1/subscriptions` through the router, in process: what `hireledger subscribe` does, over HTTP.
@Suite(.serialized) struct SubscriptionsAPITests {
    /// Sends `body` as JSON with the bearer token; returns status and parsed body (nil when empty).
    static func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String,
                     _ body: JSONValue? = nil) async throws -> (Int, JSONValue?) {
        var headers = bearer
        headers[.contentType] = "application/json"
        let r = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0.canonicalBytes()) })
        return (Int(r.status.code), r.body.readableBytes > 0 ? try parseBody(r) : nil)
    }

    @Test func createListGetUpdateDeleteKeepTheSecretOutOfEveryAnswerButTheFirst() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let last = try ledger.store.lastPosition.value
        let app = Application(router: try makeAPI(ledger).router())
        try await app.test(.router) { client in
            let (status, created) = try await Self.send(client, .post, "/v1/subscriptions",
                                                        ["url": "https://example.com/hooks", "types": ["application.*", "record.offer.*"],
                                                         "start": 3, "batchSize": 20])
            #expect(status == 201)
            let secret = try #require(created?["secret"]?.stringValue)
            #expect(secret.hasPrefix("whsec_"))
            let sub = try #require(created?["subscription"])
            let id = try #require(sub["id"]?.stringValue)
            #expect(sub["cursor"]?.numberValue?.text == "2")   // event 3 is the first sent
            #expect(sub["batchSize"]?.numberValue?.text == "20")
            #expect(sub["status"] == "active")

            // The other starts, and a secret given by the caller.
            let given = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
            let (_, fromNow) = try await Self.send(client, .post, "/v1/subscriptions", ["url": "http://127.0.0.1:1/", "secret": .string(given)])
            #expect(fromNow?["subscription"]?["cursor"]?.numberValue?.text == String(last))
            #expect(fromNow?["secret"]?.stringValue == given)
            let (_, fromStart) = try await Self.send(client, .post, "/v1/subscriptions", ["url": "http://127.0.0.1:1/", "start": "beginning"])
            #expect(fromStart?["subscription"]?["cursor"]?.numberValue?.text == "0")

            let (listStatus, list) = try await Self.send(client, .get, "/v1/subscriptions")
            #expect(listStatus == 200)
            #expect(list?["subscriptions"]?.arrayValue?.count == 3)
            let listed = try #require(list).canonicalString
            #expect(!listed.contains("whsec_") && !listed.contains(String(secret.dropFirst(6))))

            let (getStatus, got) = try await Self.send(client, .get, "/v1/subscriptions/\(id)")
            #expect(getStatus == 200)
            #expect(got == sub)
            #expect(!(try #require(got).canonicalString.contains("whsec_")))

            let (_, disabled) = try await Self.send(client, .patch, "/v1/subscriptions/\(id)", ["enabled": false, "url": "https://example.org/h"])
            #expect(disabled?["status"] == "disabled")
            #expect(disabled?["disabledReason"] == "disabled by the operator")
            #expect(disabled?["url"] == "https://example.org/h")
            let (_, enabled) = try await Self.send(client, .patch, "/v1/subscriptions/\(id)", ["enabled": true, "types": []])
            #expect(enabled?["status"] == "active")
            #expect(enabled?["types"] == [])

            let (badURL, problem) = try await Self.send(client, .patch, "/v1/subscriptions/\(id)", ["url": "mailto:x@example.com"])
            #expect(badURL == 400)
            #expect(problem?["parameter"] == "url")

            #expect(try await Self.send(client, .delete, "/v1/subscriptions/\(id)").0 == 204)
            #expect(try await Self.send(client, .get, "/v1/subscriptions/\(id)").0 == 404)
            #expect(try await Self.send(client, .delete, "/v1/subscriptions/\(id)").0 == 404)
            #expect(try await Self.send(client, .get, "/v1/subscriptions").1?["subscriptions"]?.arrayValue?.count == 2)
        }
    }

    @Test func badBodiesAre400ProblemsNamingTheMember() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let last = try ledger.store.lastPosition.value
        let app = Application(router: try makeAPI(ledger).router())
        let cases: [(JSONValue, String)] = [
            ([:], "url"), (["url": 5], "url"), (["url": "ftp://example.com/"], "url"), (["url": "http://x/", "types": "application.*"], "types"),
            (["url": "http://x/", "types": ["has space"]], "types"), (["url": "http://x/", "secret": "hunter2"], "secret"),
            (["url": "http://x/", "start": "yesterday"], "start"), (["url": "http://x/", "start": 0], "start"),
            (["url": "http://x/", "batchSize": 1001], "batchSize"),
            (["url": "http://x/", "batch_size": 10], "batch_size"),
        ]
        try await app.test(.router) { client in
            for (body, member) in cases {
                let (status, problem) = try await Self.send(client, .post, "/v1/subscriptions", body)
                #expect(status == 400, "\(body.canonicalString)")
                #expect(problem?["parameter"]?.stringValue == member, "\(body.canonicalString): \(problem?.canonicalString ?? "")")
                #expect(problem?["title"] == "Invalid body")
                // A refused secret is not echoed back.
                #expect(!(problem?.canonicalString.contains("hunter2") ?? false))
            }
            // Well-formed, but past the log's end: 409 Conflict naming the member.
            let (beyond, problem) = try await Self.send(client, .post, "/v1/subscriptions",
                                                        ["url": "http://x/", "start": .number(JSONNumber(last + 2))])
            #expect(beyond == 409 && problem?["parameter"] == "start")
            var headers = bearer
            headers[.contentType] = "application/json"
            let notJSON = try await client.execute(uri: "/v1/subscriptions", method: .post, headers: headers, body: ByteBuffer(string: "url=http://x/"))
            #expect(notJSON.status == .badRequest)
            #expect(try parseBody(notJSON)["parameter"] == "body")
            for verb: HTTPRequest.Method in [.get, .patch, .delete] {
                #expect(try await Self.send(client, verb, "/v1/subscriptions/sub_000000000000000000000000", verb == .patch ? ["enabled": true] : nil).0 == 404)
            }
            #expect(try await Self.send(client, .post, "/v1/subscriptions/sub_000000000000000000000000/replay", ["from": 1]).0 == 404)
            #expect(try await Self.send(client, .post, "/v1/subscriptions/sub_000000000000000000000000/rotate").0 == 404)
            #expect(try await Self.send(client, .get, "/v1/subscriptions/sub_000000000000000000000000/failures").0 == 404)
        }
    }

    @Test func replayMovesTheCursorToAPositionOrATimeAndRotateReturnsANewSecretOnce() async throws {
        let ledger = try await SyncedLedger.make(days: 3)
        defer { Task { await ledger.shutdown() } }
        let store = ledger.store
        let app = Application(router: try makeAPI(ledger).router())
        // The first event of the last synced day: a time with events observed before and after it.
        let lastDay = try #require(try store.lastObservedAt)
        let firstOfLastDay = try #require(try store.events().first { $0.observedAt == lastDay })
        try await app.test(.router) { client in
            let (_, created) = try await Self.send(client, .post, "/v1/subscriptions", ["url": "http://127.0.0.1:1/"])
            let id = try #require(created?["subscription"]?["id"]?.stringValue)
            let first = try #require(created?["secret"]?.stringValue)

            let (s1, fromSeq) = try await Self.send(client, .post, "/v1/subscriptions/\(id)/replay", ["from": 5])
            #expect(s1 == 200)
            #expect(fromSeq?["cursor"]?.numberValue?.text == "4")
            let (_, fromTime) = try await Self.send(client, .post, "/v1/subscriptions/\(id)/replay", ["since": .string(lastDay.iso8601)])
            #expect(fromTime?["cursor"]?.numberValue?.text == String(firstOfLastDay.seq.value - 1))
            let (beyond, problem) = try await Self.send(client, .post, "/v1/subscriptions/\(id)/replay",
                                                        ["from": .number(JSONNumber(try store.lastPosition.value + 5))])
            // Well-formed, but past the log's end: 409 Conflict, naming the member.
            #expect(beyond == 409)
            #expect(problem?["parameter"] == "from")
            #expect(try await Self.send(client, .post, "/v1/subscriptions/\(id)/replay", [:]).0 == 400)
            #expect(try await Self.send(client, .post, "/v1/subscriptions/\(id)/replay", ["since": "last week"]).1?["parameter"] == "since")

            let (rotated, answer) = try await Self.send(client, .post, "/v1/subscriptions/\(id)/rotate", ["overlapSeconds": 3600])
            #expect(rotated == 200)
            let second = try #require(answer?["secret"]?.stringValue)
            #expect(second.hasPrefix("whsec_") && second != first)
            #expect(answer?["overlapSeconds"]?.numberValue?.text == "3600")
            let (_, after) = try await Self.send(client, .get, "/v1/subscriptions/\(id)")
            #expect(after?["secretCount"]?.numberValue?.text == "2")
            #expect(!(after?.canonicalString.contains(second) ?? true))
            // Without a body: the default overlap; overlap 0 drops the older secrets at once.
            #expect(try await Self.send(client, .post, "/v1/subscriptions/\(id)/rotate").1?["overlapSeconds"]?.numberValue?.text == "86400")
            _ = try await Self.send(client, .post, "/v1/subscriptions/\(id)/rotate", ["overlapSeconds": 0])
            #expect(try await Self.send(client, .get, "/v1/subscriptions/\(id)").1?["secretCount"]?.numberValue?.text == "1")
        }
    }

    @Test func failuresListWhatTheDispatcherCouldNotDeliver() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let clock = ManualWebhookClock(now: try #require(try ledger.store.lastObservedAt))
        let webhooks = try WebhookDeliveries(store: ledger.store, transport: FixedStatusTransport(status: 503),
                                             source: "urn:test", clock: clock, addressPolicy: .allowPrivate)
        let api = try LedgerAPI(store: ledger.store, token: APIToken(testToken),
                                options: ServerOptions(port: 0, pollMilliseconds: 20), webhooks: webhooks)
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            let (_, created) = try await Self.send(client, .post, "/v1/subscriptions", ["url": "http://127.0.0.1:1/", "start": 2])
            let id = try #require(created?["subscription"]?["id"]?.stringValue)
            #expect(try await Self.send(client, .get, "/v1/subscriptions/\(id)/failures").1?["failures"] == [])
            // Two passes, the second after the retry time: two attempts at event 2, both 503.
            let report = try await webhooks.dispatcher.deliverOnce()
            #expect(report.failedAttempts == 1)
            clock.set(try #require(report.nextAttemptAt))
            _ = try await webhooks.dispatcher.deliverOnce()
            let (status, body) = try await Self.send(client, .get, "/v1/subscriptions/\(id)/failures?limit=10")
            #expect(status == 200)
            let failures = try #require(body?["failures"]?.arrayValue)
            #expect(failures.count == 1)
            #expect(failures.first?["seq"]?.numberValue?.text == "2")
            #expect(failures.first?["lastStatus"]?.numberValue?.text == "503")
            #expect(failures.first?["attempts"]?.numberValue?.text == "2")
            #expect(failures.first?["resolution"] == "retrying")
            let (_, sub) = try await Self.send(client, .get, "/v1/subscriptions/\(id)")
            #expect(sub?["retry"]?["attempts"]?.numberValue?.text == "2")
            #expect(webhooks.requestCounts["5xx"] == 2)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("hireledger_webhook_requests_total{outcome=\"5xx\"} 2"))
            #expect(metrics.contains("hireledger_webhook_subscriptions{state=\"retrying\"} 1"))
            #expect(try await Self.send(client, .get, "/v1/subscriptions/\(id)/failures?limit=0").0 == 400)
            // A replay supersedes the pending retry.
            _ = try await Self.send(client, .post, "/v1/subscriptions/\(id)/replay", ["from": 1])
            let (_, later) = try await Self.send(client, .get, "/v1/subscriptions/\(id)/failures")
            #expect(later?["failures"]?.arrayValue?.first?["resolution"] == "superseded_by_replay")
        }
    }
}
