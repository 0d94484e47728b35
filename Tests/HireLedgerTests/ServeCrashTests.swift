import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// `hireledger serve` runs the webhook dispatcher; killed with SIGKILL mid-delivery and started again,
/// it loses nothing: every event reaches the receiver, first receipts in order, the cursor at the end.
struct ServeCrashTests {
    static func serve(_ bin: String, _ store: String) throws -> ChildProcess {
        try ChildProcess.start(bin + "/hireledger", ["serve", "--allow-private-webhooks", "--store", store, "--port", "0"])
    }

    @Test(.timeLimit(.minutes(3)))
    func killingServeDuringDeliveryLosesNothing() async throws {
        let bin = try Executables.directory()
        try await withTemporaryDirectory { path in
            let held = try HeldDelivery(path: path)
            let first = try Self.serve(bin, path)
            await held.killMidDelivery {
                first.kill(SIGKILL)
                first.waitUntilExit()
                #expect(first.process.terminationReason == .uncaughtSignal)
            }

            let second = try Self.serve(bin, path)
            defer { second.kill(SIGKILL); second.waitUntilExit() }
            // Wait for the rest (bounded: the test's time limit).
            for _ in 0..<600 {
                if held.firstReceipts.count >= held.total { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(held.firstReceipts == (1...UInt64(held.total)).map { $0 })
            second.kill(SIGTERM)
            second.waitUntilExit()
            #expect(try held.cursor == LogPosition(UInt64(held.total)))
        }
    }
}
