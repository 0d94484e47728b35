import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// `hireledger serve` runs the webhook dispatcher; killed with SIGKILL mid-delivery and started again,
/// it loses nothing: every event reaches the receiver, first receipts in order, the cursor at the end.
struct ServeCrashTests {
    static func serve(_ bin: String, _ store: String) throws -> ChildProcess {
        try ChildProcess.start(bin + "/hireledger", ["serve", "--store", store, "--port", "0"])
    }

    @Test(.timeLimit(.minutes(3)))
    func killingServeDuringDeliveryLosesNothing() async throws {
        let bin = try Executables.directory()
        try await withTemporaryDirectory { path in
            let total = 20_000
            let store = try LedgerStore.open(directory: path)
            try WebhookDeliveryTests.appendEvents(store, total)
            // Answers stop after request 700 until the first process is dead, so the kill lands mid-delivery.
            let gate = TestGate()
            let receiver = try WebhookTestReceiver { index, _ in
                if index >= 700 { gate.wait() }
                return .status(204)
            }
            let (sub, _) = try SubscriptionStore(store: store).create(url: receiver.url, types: [], startAt: .beginning)

            let first = try Self.serve(bin, path)
            await receiver.waitForRequests(700)
            first.kill(SIGKILL)
            first.waitUntilExit()
            #expect(first.process.terminationReason == .uncaughtSignal)
            let atKill = receiver.requests.count
            #expect(atKill < total, "the kill must land during delivery")
            gate.open()

            let second = try Self.serve(bin, path)
            defer { second.kill(SIGKILL); second.waitUntilExit() }
            // Wait for the rest (bounded: the test's time limit).
            var firstReceipts: [UInt64] = []
            for _ in 0..<600 {
                var seen = Set<UInt64>()
                firstReceipts = receiver.requests.compactMap(WebhookDeliveryTests.seq).filter { seen.insert($0).inserted }
                if firstReceipts.count >= total { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(firstReceipts == (1...UInt64(total)).map { $0 })
            second.kill(SIGTERM)
            second.waitUntilExit()
            #expect(try SubscriptionStore(store: store).get(sub.id)?.cursor == LogPosition(UInt64(total)))
        }
    }
}
