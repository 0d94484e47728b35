import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import HireLedgerTestSupport
import Testing

/// The dispatcher as `serve` runs it (a service of `LedgerAPI.application()`), over real sockets.
struct WebhookDeliveryLiveTests {
    /// The seqs of the events in each received request, after checking its Standard Webhooks signature.
    static func deliveredSeqs(_ requests: [LoopbackHTTPServer.Request], secret: WebhookSecret) throws -> [UInt64] {
        var seqs: [UInt64] = []
        for r in requests {
            try WebhookSigner.verify(secret: secret, id: try #require(r.header("webhook-id")), timestamp: try #require(r.header("webhook-timestamp")),
                                     signatureHeader: try #require(r.header("webhook-signature")), body: r.body, now: SystemWebhookClock().now())
            #expect(r.header("content-type") == "application/cloudevents-batch+json")
            let events = try #require(try JSONValue.parse(r.body).arrayValue)
            seqs += try events.map { try RecordedEvent(cloudEvent: $0).seq.value }
        }
        return seqs
    }

    @Test func serveDeliversSignedEventsInOrderAndWakesWhenTheLogGrows() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let receiver = try LoopbackHTTPServer()
        defer { receiver.stop() }
        // A poll interval of an hour: within this test, only the log watcher's wake (and the create
        // route's) can start a delivery pass.
        let webhooks = try WebhookDeliveries(store: ledger.store, transport: try CurlTransport(),
                                             source: "urn:hireledger:store:\(ledger.store.storeId)", pollInterval: 3600,
                                             addressPolicy: .allowPrivate)
        let api = try LedgerAPI(store: ledger.store, token: APIToken(testToken),
                                options: ServerOptions(port: 0, pollMilliseconds: 20), webhooks: webhooks)
        try await api.application().test(.live) { client in
            var headers = bearer
            headers[.contentType] = "application/json"
            let body: JSONValue = ["url": .string(receiver.url), "start": "beginning", "batchSize": 40]
            let r = try await client.execute(uri: "/v1/subscriptions", method: .post, headers: headers, body: ByteBuffer(bytes: body.canonicalBytes()))
            #expect(r.status == .created)
            let secret = try WebhookSecret(encoded: try #require(try parseBody(r)["secret"]?.stringValue))

            func waitForDelivery(through last: UInt64) async throws -> [UInt64] {
                var n = 1
                while true {
                    await receiver.waitForRequests(n)
                    let received = receiver.requests
                    let seqs = try Self.deliveredSeqs(received, secret: secret)
                    if seqs.last.map({ $0 >= last }) ?? false { return seqs }
                    n = received.count + 1
                }
            }
            let first = try ledger.store.lastPosition.value
            #expect(try await waitForDelivery(through: first) == Array(1...first))
            // A sync appends; the watcher sees it and wakes the dispatcher.
            #expect(try await ledger.syncNextDay() > 0)
            let second = try ledger.store.lastPosition.value
            #expect(try await waitForDelivery(through: second) == Array(1...second))
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("hireledger_webhook_requests_total{outcome=\"2xx\"} \(receiver.requests.count)"))
        }
        // The application has shut down (the dispatcher with it): nothing more arrives.
        #expect(webhooks.requestCounts["2xx"] == receiver.requests.count)
    }
}
