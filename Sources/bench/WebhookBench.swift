import CurlHTTP
import Foundation
import HireLedgerTestSupport
import HireLedger
import HireLedgerCore

/// `bench webhooks [--events N]`: a log of N events (default 100 000) in a temporary store (fsync on)
/// delivered by `WebhookDispatcher.deliverOnce()` over CurlTransport to one loopback receiver in this
/// process (thread per connection, TCP_NODELAY, 204 to everything), signed with Standard Webhooks
/// HMAC-SHA256, cursor committed every 256 events.
///
/// Two subscriptions, run one after the other: one event per request, then batches of 100 events per
/// request. Receiver and dispatcher share the machine's cores, so the figures are a floor.
enum WebhookBench {
    static func run(_ arguments: [String]) async throws {
        var events = 100_000
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--events": events = Int(arguments[i + 1]) ?? events; i += 2
            default:
                print("usage: bench webhooks [--events N]")
                exit(2)
            }
        }
        let dir = Bench.temporaryPath("webhooks")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try LedgerStore.open(directory: dir)
        try Bench.appendStageChanges(store, count: events)
        let receiver = try LoopbackHTTPServer(recordsRequests: false)
        defer { receiver.stop() }
        let subs = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
        let transport = try CurlTransport()
        print("webhooks benchmark: \(events) events, one loopback receiver, fsync on, cursor commit every 256 events")
        print("machine: \(Bench.machine()); build: \(Bench.buildMode)")
        for batch in [1, 100] {
            let (sub, _) = try subs.create(url: "http://127.0.0.1:\(receiver.port)/hook", types: [], startAt: .beginning, batchSize: batch)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: transport)
            let before = receiver.counts
            let start = DispatchTime.now().uptimeNanoseconds
            let report = try await dispatcher.deliverOnce()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let after = receiver.counts
            let cursor = try subs.get(sub.id)?.cursor.value ?? 0
            precondition(report.delivered == events && cursor == UInt64(events) && report.failedAttempts == 0, "not everything was delivered")
            print(String(format: "batch %3d: %8.0f events/s, %7.0f requests/s (%d events, %d requests, %.2f s, %.1f MB received)",
                         batch, Double(report.delivered) / seconds, Double(report.requests) / seconds, report.delivered,
                         after.requests - before.requests, seconds, Double(after.bytes - before.bytes) / 1e6))
            _ = try subs.delete(sub.id)
        }
    }
}
