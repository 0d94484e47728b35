import Foundation
import HireLedger
import HireLedgerCore
@testable import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// `serve --sync-every`: syncs never overlap, a failing one is reported (status, planner status,
/// `/metrics`) and the next one still runs.
struct SyncSchedulerTests {
    /// Counts syncs running at once and the most ever seen.
    final class Overlap: Sendable {
        private let state = Mutex((now: 0, most: 0, calls: 0))
        func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.calls += 1 } }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
        var calls: Int { state.withLock { $0.calls } }
    }

    static func waitUntil(_ seconds: Double = 60, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { Issue.record("condition not met within \(seconds) s"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func twoSyncsNeverRunAtOnce() async throws {
        let overlap = Overlap()
        let scheduler = SyncScheduler(interval: .milliseconds(5)) {
            overlap.enter()
            defer { overlap.leave() }
            try await Task.sleep(for: .milliseconds(40))
            return .init(events: 1, summary: "1 new event")
        }
        let schedule = Task { try await scheduler.run() }
        // Manual requests race the schedule: each either runs alone or is refused and counted.
        let refused = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { await scheduler.runNow() } }
            var refused = 0
            for await started in group where !started { refused += 1 }
            return refused
        }
        try await Self.waitUntil { scheduler.status.runs >= 4 }
        schedule.cancel()
        _ = try? await schedule.value
        #expect(overlap.most == 1)
        #expect(refused >= 1)
        #expect(scheduler.status.skipped >= refused)
        #expect(scheduler.status.runs == overlap.calls)
    }

    @Test func aSyncLockHeldElsewhereKeepsASecondSyncOut() throws {
        let dir = NSTemporaryDirectory() + "hl-synclock-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try #require(try SyncLock.tryAcquire(storeDirectory: dir))
        #expect(try SyncLock.tryAcquire(storeDirectory: dir) == nil)
        first.release()
        #expect(try SyncLock.tryAcquire(storeDirectory: dir) != nil)
    }

    @Test func aFailingSyncIsReportedAndTheNextOneStillRuns() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let calls = Mutex(0)
        let scheduler = SyncScheduler(interval: .milliseconds(30)) {
            let n = calls.withLock { $0 += 1; return $0 }
            if n == 1 { throw SyncFailure(description: "Ashby answered 503 on page 2 of applications") }
            return .init(events: n, summary: "\(n) new events")
        }
        let api = try LedgerAPI(store: ledger.store, token: APIToken(testToken), options: ServerOptions(port: 0, pollMilliseconds: 20),
                                syncSchedule: scheduler)
        api.watcher.close()
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            // The first run fails: reported on the status route (what the page shows) and in /metrics.
            _ = await scheduler.runNow()
            #expect(scheduler.status.lastOutcome == "failed")
            let status = try parseBody(try await client.execute(uri: "/v1/planner/status", method: .get, headers: bearer))
            #expect(status["schedule"]?["lastOutcome"] == .string("failed"))
            #expect(status["schedule"]?["lastError"]?.stringValue?.contains("503") == true)
            #expect(status["schedule"]?["failures"]?.intValue == 1)
            var metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("hireledger_scheduled_sync_failures_total 1"))
            #expect(metrics.contains("hireledger_scheduled_sync_last_success 0"))

            // The schedule goes on: the next run succeeds and replaces the failure.
            let schedule = Task { try await scheduler.run() }
            try await Self.waitUntil { scheduler.status.runs >= 3 }
            schedule.cancel()
            _ = try? await schedule.value
            #expect(scheduler.status.failures == 1)
            #expect(scheduler.status.lastOutcome == "ok")
            metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("hireledger_scheduled_sync_last_success 1"))
            #expect(metrics.contains("hireledger_scheduled_sync_failures_total 1"))
            let after = try parseBody(try await client.execute(uri: "/v1/planner/status", method: .get, headers: bearer))
            #expect(after["schedule"]?["lastOutcome"] == .string("ok"))
            #expect(after["schedule"]?["lastError"] == .null)
        }
    }

    struct SyncFailure: Error, CustomStringConvertible { let description: String }
}
