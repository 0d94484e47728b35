import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// Webhook delivery end to end: real LMDB in a temp dir, CurlTransport, a real receiver on loopback,
/// signatures checked by an independent Python (standard library) implementation of Standard Webhooks.
/// Backoff waits are skipped with the injected clock; nothing sleeps.
struct WebhookDeliveryTests {
    static let start = Timestamp(iso8601: "2026-03-01T09:00:00Z")!

    /// Appends `n` stage-change events, one second apart in observedAt.
    static func appendEvents(_ store: LedgerStore, _ n: Int, from first: Int = 1, types: [EventType] = [.domain(.applicationStageChanged)]) throws {
        let events = (0..<n).map { i in
            PendingEvent(type: types[i % types.count], subject: EntityKey(.application, "a\(first + i)"),
                         observedAt: start.adding(milliseconds: Int64(first + i) * 1000), occurredAt: start,
                         occurredAtInferred: false, data: ["applicationId": .string("a\(first + i)")])
        }
        try store.append(events)
    }

    static func seq(_ r: LoopbackHTTPServer.Request) -> UInt64? {
        (try? JSONValue.parse(r.body))?["seq"]?.int64Value.map(UInt64.init)
    }

    struct Fixture {
        let store: LedgerStore
        let subscriptions: SubscriptionStore
        let clock: ManualWebhookClock
        let dispatcher: WebhookDispatcher
    }

    static func fixture(_ path: String, commitEvery: Int = 256, requestTimeout: Double = 10) throws -> Fixture {
        let store = try openTestStore(path)
        let clock = ManualWebhookClock(now: start.adding(days: 1))
        let subs = try SubscriptionStore(store: store, clock: clock, addressPolicy: .allowPrivate)
        let transport = try CurlTransport()
        let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: transport, clock: clock,
                                           policy: RetryPolicy.webhookDelivery(jitter: 0), requestTimeout: requestTimeout, commitEvery: commitEvery)
        return Fixture(store: store, subscriptions: subs, clock: clock, dispatcher: dispatcher)
    }

    /// For each request, which of `secrets` produced one of its `v1` signatures, and how many `v1`
    /// signatures it carried, computed by Python's hmac/hashlib/base64 in a separate process.
    static func pythonVerify(_ requests: [LoopbackHTTPServer.Request], secrets: [String]) throws -> [(matches: [Bool], count: Int)] {
        let input: JSONValue = ["secrets": .array(secrets.map { .string($0) }),
                                "requests": .array(requests.map { r in
                                    ["id": .string(r.header("webhook-id") ?? ""), "ts": .string(r.header("webhook-timestamp") ?? ""),
                                     "sig": .string(r.header("webhook-signature") ?? ""), "body": .string(Base64Codec.encode(r.body))]
                                })]
        let file = NSTemporaryDirectory() + "webhook-verify-\(UUID().uuidString).json"
        try input.canonicalString.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = """
            import sys, json, hmac, hashlib, base64
            d = json.load(open(sys.argv[1]))
            keys = [base64.b64decode(s[len('whsec_'):]) for s in d['secrets']]
            out = []
            for r in d['requests']:
                signed = (r['id'] + '.' + r['ts'] + '.').encode() + base64.b64decode(r['body'])
                given = [p.split(',', 1)[1] for p in r['sig'].split(' ') if p.startswith('v1,')]
                m = []
                for k in keys:
                    expected = base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest()).decode()
                    m.append(any(hmac.compare_digest(expected, g) for g in given))
                out.append({'matches': m, 'count': len(given)})
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let out = try? JSONValue.parse(Array(data)), let items = out.arrayValue else {
            throw CLIProcessError("python3 verification failed (status \(process.terminationStatus))")
        }
        return items.map { item in
            (item["matches"]?.arrayValue?.compactMap(\.boolValue) ?? [], item["count"]?.intValue ?? -1)
        }
    }

    struct CLIProcessError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    @Test func everyDeliveryIsSignedVerifiablyAndInOrder() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 20)
            let receiver = try LoopbackHTTPServer()
            let (sub, secret) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            let report = try await f.dispatcher.deliverOnce()
            #expect(report.delivered == 20 && report.failedAttempts == 0)
            let got = receiver.requests
            #expect(got.compactMap(Self.seq) == Array(1...20))
            for (i, r) in got.enumerated() {
                #expect(r.header("webhook-id") == "\(f.store.storeId):\(i + 1)")
                #expect(r.header("content-type") == "application/cloudevents+json")
                #expect(r.header("webhook-timestamp") == String(f.clock.now().millisecondsSinceEpoch / 1000))
                try WebhookSigner.verify(secret: WebhookSecret(encoded: secret), id: r.header("webhook-id")!, timestamp: r.header("webhook-timestamp")!,
                                         signatureHeader: r.header("webhook-signature")!, body: r.body, now: f.clock.now())
            }
            let python = try Self.pythonVerify(got, secrets: [secret])
            #expect(python.count == 20)
            #expect(python.allSatisfy { $0.matches == [true] && $0.count == 1 })
            // A wrong secret does not verify (the check can fail).
            let other = try Self.pythonVerify(Array(got.prefix(1)), secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
            #expect(other.first?.matches == [false])
            #expect(try f.subscriptions.get(sub.id)?.cursor == LogPosition(20))
            // Nothing more is due.
            #expect(try await f.dispatcher.deliverOnce().requests == 0)
        }
    }

    @Test func receiverThatFailsFiveTimesThenRecoversGetsEveryEventInOrder() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 12)
            let receiver = try LoopbackHTTPServer { index, _ in index < 5 ? .status(500) : .status(200) }
            let (sub, _) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            var waits: [Int64] = []
            for _ in 0..<10 {
                let r = try await f.dispatcher.deliverOnce()
                guard let next = r.nextAttemptAt else { break }
                waits.append((next.millisecondsSinceEpoch - f.clock.now().millisecondsSinceEpoch) / 1000)
                f.clock.set(next)
            }
            #expect(waits == [5, 10, 20, 40, 80])
            let seqs = receiver.requests.compactMap(Self.seq)
            #expect(seqs == Array(repeating: 1, count: 5) + Array(1...12))
            let current = try #require(try f.subscriptions.get(sub.id))
            #expect(current.cursor == LogPosition(12) && current.isActive && current.retry == nil)
            let failures = try f.subscriptions.failedDeliveries(sub.id)
            #expect(failures.count == 1)
            #expect(failures.first?.attempts == 5 && failures.first?.lastStatus == 500)
            if case .delivered = failures.first?.resolution {} else { Issue.record("expected the failure to be resolved as delivered") }
        }
    }

    @Test func goneDisablesTheSubscription() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 3)
            let receiver = try LoopbackHTTPServer { _, _ in .status(410) }
            let (sub, _) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            let report = try await f.dispatcher.deliverOnce()
            #expect(report.disabled == [sub.id])
            let current = try #require(try f.subscriptions.get(sub.id))
            guard case .disabled(let reason, _) = current.status else { Issue.record("not disabled"); return }
            #expect(reason.contains("410"))
            #expect(current.cursor == .none)
            #expect(try await f.dispatcher.deliverOnce().requests == 0)
            #expect(receiver.requests.count == 1)
            // Re-enabling resumes from the cursor.
            _ = try f.subscriptions.update(sub.id, enabled: true)
            #expect(try f.subscriptions.get(sub.id)?.isActive == true)
        }
    }

    @Test func sustainedFailureDisablesAfterADayOfRetries() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 2)
            let receiver = try LoopbackHTTPServer { _, _ in .status(502) }
            let (sub, _) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            let began = f.clock.now()
            for _ in 0..<100 {
                let r = try await f.dispatcher.deliverOnce()
                guard let next = r.nextAttemptAt else { break }
                f.clock.set(next)
            }
            let current = try #require(try f.subscriptions.get(sub.id))
            guard case .disabled(let reason, let at) = current.status else { Issue.record("not disabled"); return }
            #expect(at.millisecondsSinceEpoch - began.millisecondsSinceEpoch >= 86_400_000)
            #expect(reason.contains("HTTP 502"))
            #expect(receiver.requests.compactMap(Self.seq).allSatisfy { $0 == 1 })
            if case .abandoned = try f.subscriptions.failedDeliveries(sub.id).first?.resolution {} else { Issue.record("expected abandoned") }
        }
    }

    @Test func replayResendsExactlyTheChosenWindow() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 10)
            let receiver = try LoopbackHTTPServer()
            let (sub, _) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            _ = try await f.dispatcher.deliverOnce()
            #expect(try f.subscriptions.replay(sub.id, from: .position(LogPosition(4))).cursor == LogPosition(3))
            _ = try await f.dispatcher.deliverOnce()
            #expect(receiver.requests.compactMap(Self.seq) == Array(1...10) + Array(4...10))
            // By time: event 7 was observed at start + 7 s.
            _ = try f.subscriptions.replay(sub.id, from: .time(Self.start.adding(milliseconds: 6_500)))
            _ = try await f.dispatcher.deliverOnce()
            #expect(receiver.requests.compactMap(Self.seq) == Array(1...10) + Array(4...10) + Array(7...10))
            #expect(throws: SubscriptionStoreError.positionBeyondLog(requested: 99, last: 10)) {
                try f.subscriptions.replay(sub.id, from: .position(LogPosition(99)))
            }
        }
    }

    @Test func rotationSendsBothSignaturesDuringTheOverlapAndOnlyTheNewOneAfter() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            let receiver = try LoopbackHTTPServer()
            let (sub, old) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            try Self.appendEvents(f.store, 1)
            _ = try await f.dispatcher.deliverOnce()
            let new = try f.subscriptions.rotateSecret(sub.id, overlapSeconds: 3600)
            #expect(new != old)
            #expect(try f.subscriptions.get(sub.id)?.secretCount == 2)
            try Self.appendEvents(f.store, 1, from: 2)
            _ = try await f.dispatcher.deliverOnce()
            f.clock.advance(seconds: 3601)
            #expect(try f.subscriptions.get(sub.id)?.secretCount == 1)
            try Self.appendEvents(f.store, 1, from: 3)
            _ = try await f.dispatcher.deliverOnce()
            let got = receiver.requests
            #expect(got.compactMap(Self.seq) == [1, 2, 3])
            let python = try Self.pythonVerify(got, secrets: [old, new])
            #expect(python.map(\.matches) == [[true, false], [true, true], [false, true]])
            #expect(python.map(\.count) == [1, 2, 1])
            // Secrets never appear in the listing.
            let listed = try f.subscriptions.list().map(\.json.canonicalString).joined()
            #expect(!listed.contains(String(old.dropFirst(6))) && !listed.contains(String(new.dropFirst(6))))
        }
    }

    @Test(arguments: [429, 503])
    func retryAfterIsHonoured(status: Int) async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 2)
            let receiver = try LoopbackHTTPServer { index, _ in index == 0 ? .status(status, headers: [("Retry-After", "120")]) : .status(200) }
            _ = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            let t = f.clock.now()
            let first = try await f.dispatcher.deliverOnce()
            #expect(first.nextAttemptAt == t.adding(milliseconds: 120_000))
            f.clock.advance(seconds: 60)
            #expect(try await f.dispatcher.deliverOnce().requests == 0)
            f.clock.advance(seconds: 60)
            #expect(try await f.dispatcher.deliverOnce().delivered == 2)
            #expect(receiver.requests.compactMap(Self.seq) == [1, 1, 2])
        }
    }

    @Test func aRequestTimeoutCountsAsAFailure() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path, requestTimeout: 0.3)
            try Self.appendEvents(f.store, 1)
            let receiver = try LoopbackHTTPServer { index, _ in index == 0 ? .hang : .status(200) }
            let (sub, _) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning)
            let r = try await f.dispatcher.deliverOnce()
            #expect(r.failedAttempts == 1 && r.delivered == 0)
            #expect(try f.subscriptions.get(sub.id)?.retry?.lastError.hasPrefix("timed out") == true)
        }
    }

    @Test func onlyMatchingTypesAreSentButTheCursorPassesEverything() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 9, types: [.domain(.applicationStageChanged), .domain(.applicationHired), .domain(.offerCreated)])
            let receiver = try LoopbackHTTPServer()
            let (sub, _) = try f.subscriptions.create(url: receiver.url, types: ["application.*"], startAt: .beginning)
            _ = try await f.dispatcher.deliverOnce()
            #expect(receiver.requests.compactMap(Self.seq) == [1, 2, 4, 5, 7, 8])
            #expect(try f.subscriptions.get(sub.id)?.cursor == LogPosition(9))
        }
    }

    @Test func batchesCarryArraysOfEventsInOrder() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            try Self.appendEvents(f.store, 25)
            let receiver = try LoopbackHTTPServer()
            let (_, secret) = try f.subscriptions.create(url: receiver.url, types: [], startAt: .beginning, batchSize: 10)
            #expect(try await f.dispatcher.deliverOnce().delivered == 25)
            let got = receiver.requests
            #expect(got.count == 3)
            #expect(got.first?.header("content-type") == "application/cloudevents-batch+json")
            let seqs = got.flatMap { (try? JSONValue.parse($0.body))?.arrayValue ?? [] }.compactMap { $0["seq"]?.int64Value }
            #expect(seqs == Array(1...25))
            #expect(try Self.pythonVerify(got, secrets: [secret]).allSatisfy { $0.matches == [true] })
        }
    }

    @Test func subscriptionsRefuseBadInputWithClearMessages() async throws {
        try await withTemporaryDirectory { path in
            let f = try Self.fixture(path)
            #expect(throws: SubscriptionStoreError.self) { try f.subscriptions.create(url: "ftp://example.com/x", types: []) }
            do { _ = try f.subscriptions.create(url: "ftp://example.com/x", types: []) } catch {
                #expect("\(error)".contains("http://"))
            }
            do { _ = try f.subscriptions.create(url: "https://example.com/x", types: [], secret: "whsec_Zm9v") } catch {
                #expect("\(error)".contains("24 to 64 bytes") && !"\(error)".contains("Zm9v"))
            }
            #expect(throws: SubscriptionStoreError.notFound(id: "sub_nope")) { try f.subscriptions.update("sub_nope", enabled: false) }
            #expect(try f.subscriptions.delete("sub_nope") == false)
        }
    }
}
