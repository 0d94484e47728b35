import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import Testing

/// Over real sockets on 127.0.0.1 (STYLE example 11: the router tests cover the logic; this covers the wire).
struct EventStreamLiveTests {
    @Test func aClientThatReconnectsWithLastEventIDReceivesEveryEventExactlyOnce() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        let auth = ["Authorization": "Bearer \(testToken)"]
        try await api.application().test(.live) { client in
            let port = try #require(client.port)
            let before = try ledger.store.lastPosition.value
            let half = Int(before / 2)
            // First connection: read half the log, then go away.
            let first = try await readStream(port: port, path: "/v1/events/stream", headers: auth) { $0.count >= half }
            #expect(first.status == 200)
            #expect(first.messages.count == half)
            // Events appended while no client is connected.
            #expect(try await ledger.syncNextDay() > 0)
            let afterGap = try ledger.store.lastPosition.value
            let lastId = try #require(first.messages.last?.id)
            // Second connection resumes after the last id seen; a third sync appends while it is connected.
            let target = Int(afterGap) - half
            async let second = readStream(port: port, path: "/v1/events/stream?after=1", headers: auth.merging(["Last-Event-ID": lastId]) { a, _ in a }) {
                $0.count >= target + 1
            }
            // Wait until the second stream is idle at the head, then append.
            while api.watcher.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let more = try await ledger.syncNextDay()
            #expect(more > 0)
            let secondResult = try await second
            let finalLast = try ledger.store.lastPosition.value
            let soFar = first.messages + secondResult.messages
            // The second reader stopped after one event of the last sync; read the rest from where it stopped.
            let remaining = Int(finalLast) - soFar.count
            let third = try await readStream(port: port, path: "/v1/events/stream", headers: auth.merging(["Last-Event-ID": soFar.last!.id!]) { a, _ in a }) {
                $0.count >= remaining
            }
            let received = soFar + third.messages
            let ids = received.map { UInt64($0.id!)! }
            #expect(ids == Array(1...finalLast))
            for m in received.prefix(50) {
                let e = try RecordedEvent(cloudEvent: try JSONValue.parse(Array(m.data.utf8)))
                #expect(m.event == e.type.cloudEventType)
                #expect(String(e.seq.value) == m.id)
            }
            // A wrong token is refused on the wire too.
            let refused = try await readStream(port: port, path: "/v1/events/stream", headers: ["Authorization": "Bearer nope"]) { _ in true }
            #expect(refused.status == 401)
        }
    }
}
