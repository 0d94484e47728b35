import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// `hireledger deliver` as a real process, killed with SIGKILL mid-delivery, then run again: nothing is
/// lost, first receipts are in order, and the cursor ends at the last event.
struct WebhookCrashTests {
    /// The `hireledger` executable built next to the test bundle.
    static var hireledgerPath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hireledger").path
    }

    static func run(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: hireledgerPath)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    @Test func killingTheDispatcherMidDeliveryLosesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.hireledgerPath), "build the hireledger product first (swift build --build-tests)")
        try await withTemporaryDirectory { path in
            let total = 20_000
            // Default options (fsync on), as the child process opens the store.
            let store = try LedgerStore.open(directory: path)
            try WebhookDeliveryTests.appendEvents(store, total)
            // Answers stop after request 700 until the first process is dead, so the kill lands mid-delivery
            // however fast or loaded the machine.
            let gate = TestGate()
            let receiver = try WebhookTestReceiver { index, _ in
                if index >= 700 { gate.wait() }
                return .status(204)
            }
            let (sub, _) = try SubscriptionStore(store: store).create(url: receiver.url, types: [], startAt: .beginning)

            let first = try Self.run(["deliver", "--store", path])
            await receiver.waitForRequests(700)
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(first.terminationReason == .uncaughtSignal)
            let atKill = receiver.requests.count
            #expect(atKill < total, "the kill must land during delivery")
            gate.open()

            let second = try Self.run(["deliver", "--once", "--store", path])
            second.waitUntilExit()
            #expect(second.terminationStatus == 0)

            let seqs = receiver.requests.compactMap(WebhookDeliveryTests.seq)
            var seen = Set<UInt64>()
            let firstReceipts = seqs.filter { seen.insert($0).inserted }
            #expect(firstReceipts == (1...UInt64(total)).map { $0 })
            #expect(try SubscriptionStore(store: store).get(sub.id)?.cursor == LogPosition(UInt64(total)))
            // At least once: events sent but not yet committed when killed were sent again (≤ one commit window).
            #expect(seqs.count - total <= 256)
        }
    }
}
