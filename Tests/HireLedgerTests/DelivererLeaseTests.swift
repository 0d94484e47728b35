import CurlHTTP
import Foundation
@testable import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// One deliverer per store: the lease in the store, in one process and across real processes.
@Suite(.serialized)
struct DelivererLeaseTests {
    @Test func aSecondDelivererIsToldWhoHoldsTheLeaseAndTakesOverWhenItIsReleasedOrExpires() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            let clock = ManualWebhookClock()
            let serve = DelivererLease(store: store, role: "serve", duration: 30, clock: clock)
            let cron = DelivererLease(store: store, role: "deliver --once", duration: 30, clock: clock)
            guard case .held = try serve.acquire() else { Issue.record("the free lease was not taken"); return }
            guard case .heldByOther(let holder, _) = try cron.acquire() else { Issue.record("a held lease was taken"); return }
            #expect(holder.hasPrefix("serve pid \(getpid())"))
            guard case .held = try serve.acquire() else { Issue.record("the holder could not renew"); return }
            serve.release()
            guard case .held = try cron.acquire() else { Issue.record("a released lease was not taken"); return }
            // The holder stops renewing (killed elsewhere): after the lease's duration the other takes over.
            guard case .heldByOther = try serve.acquire() else { Issue.record("a held lease was taken"); return }
            clock.advance(seconds: 31)
            guard case .held = try serve.acquire() else { Issue.record("an expired lease was not taken over"); return }
            // A dispatcher without the lease sends nothing and says why.
            let subs = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: try ScriptedNoTransport(),
                                               lease: DelivererLease(store: store, role: "deliver", duration: 30, clock: clock))
            await #expect(throws: WebhookDispatcherError.self) { try await dispatcher.deliverOnce() }
        }
    }

    @Test func twoDelivererProcessesOnOneStoreSendEachEventOnceAndAKilledHolderIsReplaced() async throws {
        let bin = try Executables.directory()
        try await withTemporaryDirectory { path in
            let total = 400
            let store = try openTestStore(path)
            try WebhookDeliveryTests.appendEvents(store, total)
            let receiver = try LoopbackHTTPServer { _, _ in usleep(2_000); return .status(204) }
            defer { receiver.stop() }
            _ = try SubscriptionStore(store: store, addressPolicy: .allowPrivate).create(url: receiver.url, types: [], startAt: .beginning)
            let arguments = ["deliver", "--allow-private-webhooks", "--lease-seconds", "6", "--timeout", "1", "--store", path]
            let a = try ChildProcess.start(bin + "/hireledger", arguments)
            let b = try ChildProcess.start(bin + "/hireledger", arguments)
            defer { a.kill(SIGKILL); b.kill(SIGKILL); a.waitUntilExit(); b.waitUntilExit() }
            await receiver.waitForRequests(total)
            try await Task.sleep(for: .seconds(2))
            var ids = receiver.requests.compactMap { $0.header("webhook-id") }
            #expect(ids.count == total, "\(ids.count) requests for \(total) events")
            #expect(Set(ids).count == ids.count, "duplicates: \(ids.count - Set(ids).count)")

            // Kill whichever holds the lease; the other takes over and delivers what is appended next.
            let leaseBytes = try #require(try store.environment.read { txn in try txn.get(store.subscriptions, DelivererLease.key) })
            let holderPid = try #require(DelivererLease.decode(leaseBytes)?.pid)
            let (holder, other) = holderPid == a.process.processIdentifier ? (a, b) : (b, a)
            #expect(holderPid == holder.process.processIdentifier)
            holder.kill(SIGKILL)
            holder.process.waitUntilExit()
            try WebhookDeliveryTests.appendEvents(store, 50, from: total + 1)
            await receiver.waitForRequests(total + 50)
            try await Task.sleep(for: .seconds(1))
            ids = receiver.requests.compactMap { $0.header("webhook-id") }
            #expect(ids.count == total + 50 && Set(ids).count == ids.count, "\(ids.count) requests, \(Set(ids).count) distinct")
            #expect(other.process.isRunning)
            let seqs = receiver.requests.compactMap(WebhookDeliveryTests.seq)
            #expect(seqs == (1...UInt64(total + 50)).map { $0 })
        }
    }

    @Test func deliverOnceBesideARunningDelivererSendsNothingAndSaysWhy() async throws {
        let bin = try Executables.directory()
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            try WebhookDeliveryTests.appendEvents(store, 5)
            let receiver = try LoopbackHTTPServer()
            defer { receiver.stop() }
            _ = try SubscriptionStore(store: store, addressPolicy: .allowPrivate).create(url: receiver.url, types: [], startAt: .now)
            let lease = DelivererLease(store: store, role: "serve", duration: 30)
            guard case .held = try lease.acquire() else { Issue.record("the lease was not free"); return }
            try WebhookDeliveryTests.appendEvents(store, 5, from: 6)
            let once = try ChildProcess.run(bin + "/hireledger", ["deliver", "--once", "--allow-private-webhooks", "--store", path])
            #expect(once.status == 0)
            #expect(once.stderr.contains("another deliverer (serve pid \(getpid())"), "\(once.stderr)")
            #expect(receiver.requests.isEmpty)
            lease.release()
            let again = try ChildProcess.run(bin + "/hireledger", ["deliver", "--once", "--allow-private-webhooks", "--store", path])
            #expect(again.status == 0 && again.stdout.contains("delivered 5 events"), "\(again.stdout) \(again.stderr)")
        }
    }
}

/// A transport that must never be used.
struct ScriptedNoTransport: HTTPTransport {
    init() throws {}
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        Issue.record("no request may be sent without the lease")
        return HTTPResponse(status: 500)
    }
}
