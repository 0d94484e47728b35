import CurlHTTP
import Foundation
@testable import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import LMDB
import Testing

/// Webhook delivery under hostile or unlucky conditions: slow neighbours, shutdown mid-request,
/// receivers on private addresses, secrets in URLs, rotated secrets, batches across read boundaries.
/// Real LMDB, real HTTP over loopback, the real clock where timing is the point.
struct WebhookHardeningTests {
    static let start = WebhookDeliveryTests.start

    /// `HIRELEDGER_SCENARIO_LARGE=1` runs the scenario tests at full size (a 100k-event backlog).
    static var large: Bool { ProcessInfo.processInfo.environment["HIRELEDGER_SCENARIO_LARGE"] == "1" }

    static func store(_ path: String) throws -> LedgerStore {
        try LedgerStore.open(directory: path, options: Environment.Options(mapSize: 256 << 20, noSync: true),
                             now: Timestamp(millisecondsSinceEpoch: 1_780_000_000_000))
    }

    @Test func aDueSubscriptionIsSentOnTimeWhileAnotherWorksThroughABacklogAtASlowReceiver() async throws {
        try await withTemporaryDirectory { path in
            let backlog = Self.large ? 100_000 : 5_000
            let store = try Self.store(path)
            try WebhookDeliveryTests.appendEvents(store, backlog)
            let subs = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
            // The slow receiver answers each request after 20 ms: its backlog takes minutes.
            let slow = try LoopbackHTTPServer { _, _ in usleep(20_000); return .status(204) }
            defer { slow.stop() }
            // The due one fails once with Retry-After: 1, so its retry is due one second later.
            let due = try LoopbackHTTPServer { i, _ in i == 0 ? .status(503, headers: [("Retry-After", "1")]) : .status(204) }
            defer { due.stop() }
            _ = try subs.create(url: slow.url, types: [], startAt: .beginning)
            _ = try subs.create(url: due.url, types: [], startAt: .now)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: try CurlTransport(),
                                               policy: RetryPolicy.webhookDelivery(jitter: 0), pollInterval: 0.2)
            let running = Task { try await dispatcher.run() }
            defer { running.cancel() }
            await slow.waitForRequests(10)
            // A new event: the due subscription gets it at once, fails, and retries a second later.
            try WebhookDeliveryTests.appendEvents(store, 1, from: backlog + 1)
            let appended = Date()
            dispatcher.wake()
            await due.waitForRequests(1)
            let first = Date().timeIntervalSince(appended)
            await due.waitForRequests(2)
            let second = Date().timeIntervalSince(appended)
            // Generous bounds for a loaded 2-core machine; without fairness both would wait for the
            // slow subscription's whole backlog (minutes).
            #expect(first < 2.0, "the due subscription's first attempt came \(first) s after the append")
            #expect(second >= 1.0 && second < 4.0, "its retry (due after 1 s) came \(second) s after the append")
            #expect(slow.requests.count < backlog / 2, "the slow subscription should still be working through its backlog")
            // The retry's 204 moves the due subscription's cursor (committed just after the answer).
            var cursor: LogPosition?
            for _ in 0..<50 {
                cursor = try subs.list().first { $0.url == due.url }?.cursor
                if cursor == LogPosition(UInt64(backlog + 1)) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(cursor == LogPosition(UInt64(backlog + 1)))
        }
    }

    @Test func aDeliveryCancelledByShutdownIsNotRecordedAsAFailure() async throws {
        try await withTemporaryDirectory { path in
            let store = try Self.store(path)
            try WebhookDeliveryTests.appendEvents(store, 3)
            let subs = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
            let receiver = try LoopbackHTTPServer { _, _ in .hang }
            defer { receiver.stop() }
            let (sub, _) = try subs.create(url: receiver.url, types: [], startAt: .beginning)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: try CurlTransport(), requestTimeout: 30)
            let running = Task { try await dispatcher.run() }
            await receiver.waitForRequests(1)
            running.cancel()
            _ = await running.result
            let after = try #require(try subs.get(sub.id))
            #expect(after.retry == nil, "a shutdown is not the endpoint's failure")
            #expect(after.cursor == .none)
            #expect(try subs.failedDeliveries(sub.id).isEmpty)
        }
    }

    @Test func batchesFillToTheirSizeAcrossTheReadBoundary() async throws {
        try await withTemporaryDirectory { path in
            let store = try Self.store(path)
            try WebhookDeliveryTests.appendEvents(store, 700)
            let subs = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
            let receiver = try LoopbackHTTPServer()
            defer { receiver.stop() }
            _ = try subs.create(url: receiver.url, types: [], startAt: .beginning, batchSize: 100)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: try CurlTransport(), commitEvery: 256)
            #expect(try await dispatcher.deliverOnce().delivered == 700)
            let sizes = receiver.requests.map { (try? JSONValue.parse($0.body))?.arrayValue?.count ?? -1 }
            #expect(sizes == [Int](repeating: 100, count: 7))
            let seqs = receiver.requests.flatMap { (try? JSONValue.parse($0.body))?.arrayValue ?? [] }.compactMap { $0["seq"]?.int64Value }
            #expect(seqs == Array(1...700))
        }
    }

    @Test func theConnectTimeGuardRefusesAPrivateReceiverRegisteredEarlierAndMasksTheURL() async throws {
        try await withTemporaryDirectory { path in
            let store = try Self.store(path)
            try WebhookDeliveryTests.appendEvents(store, 2)
            let receiver = try LoopbackHTTPServer()
            defer { receiver.stop() }
            // Registered while private receivers were allowed (or a name that later resolves to loopback) ...
            let url = "http://user:hunter2@localhost:\(receiver.port)/hooks?token=s3cret"
            let (sub, _) = try SubscriptionStore(store: store, addressPolicy: .allowPrivate).create(url: url, types: [], startAt: .beginning)
            // ... then delivered by a deliverer that refuses them: refused at connect time, nothing sent.
            let subs = try SubscriptionStore(store: store)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs,
                                               transport: try WebhookTransport.make(timeout: 5, policy: .publicOnly))
            let report = try await dispatcher.deliverOnce()
            #expect(report.delivered == 0 && report.failedAttempts == 1)
            #expect(receiver.requests.isEmpty)
            let failure = try #require(try subs.failedDeliveries(sub.id).first)
            #expect(failure.lastError.contains("loopback"), "\(failure.lastError)")
            let shown = [failure.json.canonicalString, try #require(try subs.get(sub.id)).json.canonicalString]
            for text in shown {
                #expect(!text.contains("hunter2") && !text.contains("s3cret"), "\(text)")
            }
            #expect(try #require(try subs.get(sub.id)).json.string("url") == "http://***@localhost:\(receiver.port)/hooks?token=***")
        }
    }

    @Test func secretsAreNotRewrittenByCursorCommitsAndExpiredOnesArePurged() async throws {
        try await withTemporaryDirectory { path in
            let store = try Self.store(path)
            try WebhookDeliveryTests.appendEvents(store, 300)
            let clock = ManualWebhookClock(now: Self.start.adding(days: 1))
            let subs = try SubscriptionStore(store: store, clock: clock, addressPolicy: .allowPrivate)
            let receiver = try LoopbackHTTPServer()
            defer { receiver.stop() }
            let (sub, first) = try subs.create(url: receiver.url, types: [], startAt: .beginning)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: try CurlTransport(), clock: clock, commitEvery: 1)
            let file = path + "/data.mdb"
            func copies(_ secret: String) throws -> Int {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
                let needle = Array(secret.utf8)
                var n = 0
                var i = 0
                while i + needle.count <= bytes.count {
                    if bytes[i] == needle[0] && Array(bytes[i..<i + needle.count]) == needle { n += 1 }
                    i += 1
                }
                return n
            }
            // Cursor commits rewrite the subscription record, not its secrets (before: a copy per commit).
            #expect(try await dispatcher.deliverOnce().delivered == 300)
            let after300 = try copies(first)
            try WebhookDeliveryTests.appendEvents(store, 300, from: 301)
            #expect(try await dispatcher.deliverOnce().delivered == 300)
            let after600 = try copies(first)
            #expect(after300 <= 8 && after600 <= after300 + 1, "copies of the secret in the file: \(after300) after 300 commits, \(after600) after 600")

            let second = try subs.rotateSecret(sub.id, overlapSeconds: 60)
            #expect(try subs.get(sub.id)?.secretCount == 2)
            clock.advance(seconds: 61)
            try WebhookDeliveryTests.appendEvents(store, 1, from: 601)
            #expect(try await dispatcher.deliverOnce().delivered == 1)
            #expect(try subs.get(sub.id)?.secretCount == 1)
            // The live database holds only the current secret.
            let stored = try store.environment.read { txn in try txn.get(store.subscriptions, Array("k/\(sub.id)".utf8)) }
            let text = String(decoding: try #require(stored), as: UTF8.self)
            #expect(text.contains(second) && !text.contains(first))
            #expect(try WebhookDeliveryTests.pythonVerify(Array(receiver.requests.suffix(1)), secrets: [second]).allSatisfy { $0.matches == [true] })
        }
    }

    @Test func rotationOverlapsOutOfRangeAreRefusedNotTrapped() async throws {
        try await withTemporaryDirectory { path in
            let subs = try SubscriptionStore(store: try Self.store(path))
            let (sub, _) = try subs.create(url: "https://example.com/hooks", types: [])
            for overlap in [Int.max, Int.min, -1, 30 * 86_400 + 1] {
                #expect(throws: SubscriptionStoreError.invalidOverlap(overlap)) { try subs.rotateSecret(sub.id, overlapSeconds: overlap) }
            }
            _ = try subs.rotateSecret(sub.id, overlapSeconds: 30 * 86_400)
        }
    }

    @Test func typeGlobsWithControlCharactersAreRefused() async throws {
        try await withTemporaryDirectory { path in
            let subs = try SubscriptionStore(store: try Self.store(path))
            let (sub, _) = try subs.create(url: "https://example.com/hooks", types: [])
            for bad in ["application.\u{0}", "a\tb", "x\u{7f}", "", String(repeating: "a", count: 201), "é.*"] {
                #expect(throws: SubscriptionStoreError.self) { try subs.update(sub.id, types: [bad]) }
            }
            _ = try subs.update(sub.id, types: ["application.*", "record.offer-x.*"])
        }
    }

    @Test func storedNumbersOutOfRangeAreReportedAsDamageNotTrapped() async throws {
        try await withTemporaryDirectory { path in
            let store = try Self.store(path)
            let subs = try SubscriptionStore(store: store)
            let (sub, _) = try subs.create(url: "https://example.com/hooks", types: [])
            let key = Array("s/\(sub.id)".utf8)
            for (member, value) in [("cursor", "-1"), ("batchSize", "9223372036854775807"), ("generation", "-5")] {
                let original = try #require(try store.environment.read { txn in try txn.get(store.subscriptions, key) })
                var record = try JSONValue.parse(original)
                if case .object(var o) = record { o[member] = .number(JSONNumber(unchecked: value)); record = .object(o) }
                try store.environment.write { txn in try txn.put(store.subscriptions, key, record.canonicalBytes()) }
                #expect(throws: SubscriptionStoreError.self) { try subs.get(sub.id) }
                try store.environment.write { txn in try txn.put(store.subscriptions, key, original) }
            }
            #expect(try store.events(after: LogPosition(UInt64.max), limit: 5).isEmpty)
        }
    }
}
